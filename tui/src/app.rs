//! The loop that runs the desk on a terminal: draw, wait for a key or a reply (with a
//! timeout, so the spinner and clock keep moving while the worker is busy), update, repeat.

use std::io;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};
use ratatui::Terminal;
use ratatui::backend::Backend;
use time::OffsetDateTime;

use crate::model::{Model, Notice};
use crate::msg::{Effect, Msg};
use crate::update::{init, update};
use crate::view::view;

/// How often the clock and spinner advance.
const TICK: Duration = Duration::from_millis(200);
/// How long to wait for a key when the worker is busy (its reply arrives on a channel).
const BUSY_POLL: Duration = Duration::from_millis(20);

/// The plumbing between `update` and the worker.
#[derive(Debug)]
pub struct Channels {
    pub effects: Sender<Effect>,
    pub replies: Receiver<Msg>,
}

impl Channels {
    /// Sends effects; a dead worker becomes an error on screen.
    pub fn send(&self, model: &mut Model, effects: Vec<Effect>) {
        for e in effects {
            if self.effects.send(e).is_err() {
                model.pending.clear();
                model.notice = Some(Notice::error(crate::worker::worker_gone()));
                return;
            }
        }
    }
}

/// Runs the desk until the officer quits. The caller owns the terminal (and restores it).
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    channels: &Channels,
    now: impl Fn() -> OffsetDateTime,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let size = terminal.size().map_err(io::Error::other)?;
    update(model, Msg::Resize(size.width, size.height));
    let fx = init(model);
    channels.send(model, fx);
    let mut dirty = true;
    let mut last_tick = Instant::now();
    while !model.quit {
        if dirty {
            terminal
                .draw(|f| view(model, f))
                .map_err(io::Error::other)?;
            dirty = false;
        }
        let wait = if model.pending.is_empty() {
            TICK.saturating_sub(last_tick.elapsed())
        } else {
            BUSY_POLL
        };
        if event::poll(wait)? {
            let msg = match event::read()? {
                Event::Key(k) => Some(Msg::Key(k)),
                Event::Resize(w, h) => Some(Msg::Resize(w, h)),
                _ => None,
            };
            if let Some(msg) = msg {
                let fx = update(model, msg);
                channels.send(model, fx);
                dirty = true;
            }
        }
        while let Ok(msg) = channels.replies.try_recv() {
            let fx = update(model, msg);
            channels.send(model, fx);
            dirty = true;
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            let minute = model.now.minute();
            let busy = !model.pending.is_empty();
            update(model, Msg::Tick(now()));
            dirty |= busy || model.now.minute() != minute;
        }
    }
    Ok(())
}
