//! Desk benchmark: 100,000 applications in a scratch store, then time to first frame,
//! keystroke-to-frame times and resident memory.
//!
//! `cargo run --release -p kustodi-tui --example bench [-- N]`
//!
//! The store is a real SQLite file in a temporary folder; the applications are seeded
//! straight through the store in one unit of work, signed by a software key (scratch only).
//! The desk runs as the binary runs it (worker thread owning the station), drawing into an
//! 80×24 in-memory terminal.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kustodi::i18n::Lang;
use kustodi::ports::clock::FixedClock;
use kustodi::store::{NewApplication, SqliteStore, StoreError};
use kustodi_tui::app::Channels;
use kustodi_tui::model::Model;
use kustodi_tui::msg::Msg;
use kustodi_tui::update::{init, update};
use kustodi_tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FIRST_NAMES: [&str; 8] = [
    "Siti", "Budi", "Dewi", "Agus", "Rina", "Bambang", "Nur", "Rudi",
];
const LAST_NAMES: [&str; 6] = [
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Hartono",
    "Aini",
    "Wibowo",
];
const DEPARTMENTS: [&str; 5] = [
    "Dinas Komunikasi, Informatika, Persandian dan Statistik",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Badan Kepegawaian dan Pengembangan SDM",
    "RSUD Kabupaten Bekasi",
    "Kecamatan Cikarang Utara",
];

fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Stats(Vec<Duration>);

impl Stats {
    fn line(&mut self, what: &str) {
        self.0.sort();
        let n = self.0.len();
        if n == 0 {
            return;
        }
        let p = |q: f64| ms(self.0[((n as f64 - 1.0) * q) as usize]);
        println!(
            "{what:<44} n={n:<4} p50 {:>7.3} ms  p95 {:>7.3} ms  max {:>7.3} ms",
            p(0.5),
            p(0.95),
            p(1.0)
        );
    }
}

/// Applies replies until no job is pending (the worker has answered everything).
fn settle(model: &mut Model, ch: &Channels, replies: &Receiver<Msg>) {
    while !model.pending.is_empty() {
        let msg = replies
            .recv_timeout(Duration::from_secs(30))
            .expect("worker reply");
        let fx = update(model, msg);
        ch.send(model, fx);
    }
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let home = support::make_home(dir.path());
    let form = std::fs::read_to_string(support::examples().join("individual.json")).unwrap();

    let t = Instant::now();
    let mut store = SqliteStore::open(home.db_path()).unwrap();
    store
        .unit_of_work(&support::SoftKey::new(), &FixedClock(support::NOW), |tx| {
            for i in 0..n {
                let status = match i % 10 {
                    0..=6 => "submitted",
                    7 | 8 => "approved",
                    _ => "rejected",
                };
                let name = format!(
                    "{} {} {i}",
                    FIRST_NAMES[(i % 8) as usize],
                    LAST_NAMES[(i / 8 % 6) as usize]
                );
                tx.insert_application(&NewApplication {
                    kind: "individual".into(),
                    status: status.into(),
                    applicant_name: name,
                    department: DEPARTMENTS[(i % 5) as usize].into(),
                    form_json: form.clone(),
                    submitted_by: "officer:bench".into(),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    drop(store);
    let db = std::fs::metadata(home.db_path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "seeded {n} applications in {:.2} s (one unit of work), database {:.1} MiB",
        t.elapsed().as_secs_f64(),
        db as f64 / 1048576.0
    );
    let (rss_before, _) = rss_kib();

    // --- Time to first frame, as the binary starts: catalogues, worker, first draw. ---
    let start = Instant::now();
    let mut model = support::model(Lang::Id);
    let (reply_tx, replies) = channel();
    let (effects, worker) =
        kustodi_tui::worker::spawn(move || Ok(support::open_station(home)), reply_tx);
    let ch = Channels {
        effects,
        replies: channel().1,
    };
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    update(&mut model, Msg::Resize(80, 24));
    let fx = init(&mut model);
    ch.send(&mut model, fx);
    term.draw(|f| view(&model, f)).unwrap();
    let first_frame = start.elapsed();
    settle(&mut model, &ch, &replies);
    term.draw(|f| view(&model, f)).unwrap();
    let first_data_frame = start.elapsed();
    assert_eq!(
        model.queue.total,
        n / 10 * 7 + (n % 10).min(7),
        "waiting tab"
    );
    println!(
        "first frame (drawn at once, queue loading)   {:>8.3} ms",
        ms(first_frame)
    );
    println!(
        "first frame with the queue page and ledger   {:>8.3} ms",
        ms(first_data_frame)
    );

    // --- Keystrokes. ---
    let key = |c: KeyCode| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut frame_only = Stats(vec![]);
    let mut paging = Stats(vec![]);
    let mut tabs = Stats(vec![]);
    let mut search = Stats(vec![]);
    let mut search_short = Stats(vec![]);
    let mut script: Vec<KeyCode> = vec![];
    script.extend(std::iter::repeat_n(KeyCode::Down, 300));
    script.extend(std::iter::repeat_n(KeyCode::PageDown, 100));
    script.extend([KeyCode::End, KeyCode::Home, KeyCode::End]);
    script.extend(std::iter::repeat_n(KeyCode::PageUp, 50));
    script.extend([
        KeyCode::Char('4'),
        KeyCode::Char('2'),
        KeyCode::Char('3'),
        KeyCode::Char('1'),
        KeyCode::Char('/'),
    ]);
    script.extend("siti 12".chars().map(KeyCode::Char));
    script.extend([KeyCode::Esc, KeyCode::F(2), KeyCode::End]);
    let mut searching = false;
    for code in script {
        if code == KeyCode::Char('/') {
            searching = true;
        }
        let class = match code {
            _ if searching => 2,
            KeyCode::Char('1'..='4') => 1,
            _ => 0,
        };
        let t = Instant::now();
        let fx = update(&mut model, key(code));
        let loads = !fx.is_empty();
        // Searches of 1–2 characters scan the table; from 3 the trigram index answers.
        let class = if class == 2 && model.queue.search.trim().chars().count() < 3 {
            3
        } else {
            class
        };
        ch.send(&mut model, fx);
        term.draw(|f| view(&model, f)).unwrap();
        frame_only.0.push(t.elapsed());
        if loads {
            settle(&mut model, &ch, &replies);
            term.draw(|f| view(&model, f)).unwrap();
            [&mut paging, &mut tabs, &mut search, &mut search_short][class]
                .0
                .push(t.elapsed());
        }
    }
    println!();
    frame_only.line("keystroke → frame (update + view + draw)");
    paging.line("… with a page from the store: scrolling");
    tabs.line("… with a page from the store: status tabs");
    search.line("… with a page from the store: search typing (3+ chars, index)");
    search_short.line("… with a page from the store: search typing (1–2 chars, scan)");
    let (rss, hwm) = rss_kib();
    println!();
    println!(
        "resident memory: {:.1} MiB now, peak {:.1} MiB (before the desk: {:.1} MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    println!("targets: first frame < 150 ms, each frame < 16 ms, RSS < 64 MiB");
    drop(ch);
    let _ = worker.join();
}
