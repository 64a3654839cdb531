//! PC/SC readers and card presence (pcscd via `libpcsclite`).
//!
//! PKCS#11 modules for smart cards (OpenSC) sit on top of pcscd; SoftHSM2 does not need it.
//! When pcscd is not running every function here returns [`ReaderError::ServiceUnavailable`]
//! and the PKCS#11-only tokens keep working.
//!
//! [`ReaderWatch::watch`] blocks in `SCardGetStatusChange` on every known reader plus the
//! `\\?PnP?\Notification` pseudo-reader, so it reports card insertion/removal and reader
//! attach/detach.

use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

use pcsc::{Context, PNP_NOTIFICATION, ReaderState, Scope, State};

/// Why the reader service could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    #[error("the smart-card service (pcscd) is not running")]
    ServiceUnavailable,
    #[error("PC/SC {function} failed: {reason}")]
    Pcsc {
        function: &'static str,
        reason: String,
    },
}

fn pcsc_err(function: &'static str) -> impl Fn(pcsc::Error) -> ReaderError {
    move |e| match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => ReaderError::ServiceUnavailable,
        other => ReaderError::Pcsc {
            function,
            reason: other.to_string(),
        },
    }
}

/// A reader and what is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStatus {
    pub name: String,
    pub card_present: bool,
    /// The card's Answer To Reset, when a card is present.
    pub atr: Option<Vec<u8>>,
}

/// A change seen by [`ReaderWatch::watch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded { reader: String },
    ReaderRemoved { reader: String },
    CardInserted { reader: String, atr: Vec<u8> },
    CardRemoved { reader: String },
}

/// Lists readers and card presence once.
pub fn list_readers() -> Result<Vec<ReaderStatus>, ReaderError> {
    Ok(ReaderWatch::new()?.readers())
}

/// A PC/SC context watching the readers.
pub struct ReaderWatch {
    ctx: Context,
    /// One state per known reader, then the PnP pseudo-reader last.
    states: Vec<ReaderState>,
}

impl std::fmt::Debug for ReaderWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderWatch")
            .field("readers", &self.readers())
            .finish()
    }
}

impl ReaderWatch {
    /// Connects to pcscd and reads the current state of every reader.
    pub fn new() -> Result<Self, ReaderError> {
        let ctx = Context::establish(Scope::User).map_err(pcsc_err("SCardEstablishContext"))?;
        let mut watch = Self {
            ctx,
            states: Vec::new(),
        };
        watch.rebuild(&reader_names(&watch.ctx)?)?;
        Ok(watch)
    }

    /// The readers as last seen.
    pub fn readers(&self) -> Vec<ReaderStatus> {
        self.states
            .iter()
            .filter(|s| !is_pnp(s.name()))
            .map(status_of)
            .collect()
    }

    /// Blocks until something changes or `timeout` passes; returns the changes (empty on
    /// timeout).
    pub fn watch(&mut self, timeout: Duration) -> Result<Vec<ReaderEvent>, ReaderError> {
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            for s in &mut self.states {
                s.sync_current_state();
            }
            match self.ctx.get_status_change(remaining, &mut self.states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return Ok(Vec::new()),
                Err(pcsc::Error::UnknownReader) => {
                    let names = reader_names(&self.ctx)?;
                    let events = self.reader_diff(&names);
                    self.rebuild(&names)?;
                    if !events.is_empty() {
                        return Ok(events);
                    }
                    continue;
                }
                Err(e) => return Err(pcsc_err("SCardGetStatusChange")(e)),
            }
            let mut events = Vec::new();
            let mut readers_changed = false;
            for s in &self.states {
                let (cur, ev) = (s.current_state(), s.event_state());
                if !ev.contains(State::CHANGED) {
                    continue;
                }
                if is_pnp(s.name()) {
                    readers_changed = true;
                    continue;
                }
                let name = s.name().to_string_lossy().into_owned();
                if ev.intersects(State::UNKNOWN | State::IGNORE | State::UNAVAILABLE) {
                    readers_changed = true;
                } else if ev.contains(State::PRESENT) && !cur.contains(State::PRESENT) {
                    events.push(ReaderEvent::CardInserted {
                        reader: name,
                        atr: s.atr().to_vec(),
                    });
                } else if !ev.contains(State::PRESENT) && cur.contains(State::PRESENT) {
                    events.push(ReaderEvent::CardRemoved { reader: name });
                }
            }
            if readers_changed {
                let names = reader_names(&self.ctx)?;
                events.extend(self.reader_diff(&names));
                self.rebuild(&names)?;
            }
            if !events.is_empty() || remaining.is_zero() {
                return Ok(events);
            }
        }
    }

    fn reader_diff(&self, names: &[CString]) -> Vec<ReaderEvent> {
        let known: Vec<&CStr> = self
            .states
            .iter()
            .map(ReaderState::name)
            .filter(|n| !is_pnp(n))
            .collect();
        let mut events = Vec::new();
        for n in names {
            if !known.contains(&n.as_c_str()) {
                events.push(ReaderEvent::ReaderAdded {
                    reader: n.to_string_lossy().into_owned(),
                });
            }
        }
        for k in &known {
            if !names.iter().any(|n| n.as_c_str() == *k) {
                events.push(ReaderEvent::ReaderRemoved {
                    reader: k.to_string_lossy().into_owned(),
                });
            }
        }
        events
    }

    /// New states for `names` (+ PnP), filled with the current state of each reader.
    fn rebuild(&mut self, names: &[CString]) -> Result<(), ReaderError> {
        let mut states: Vec<ReaderState> = names
            .iter()
            .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
            .collect();
        states.push(ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE));
        match self.ctx.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(pcsc_err("SCardGetStatusChange")(e)),
        }
        for s in &mut states {
            s.sync_current_state();
        }
        self.states = states;
        Ok(())
    }
}

fn is_pnp(name: &CStr) -> bool {
    name == PNP_NOTIFICATION()
}

fn status_of(s: &ReaderState) -> ReaderStatus {
    let present = s.event_state().contains(State::PRESENT);
    ReaderStatus {
        name: s.name().to_string_lossy().into_owned(),
        card_present: present,
        atr: present.then(|| s.atr().to_vec()),
    }
}

fn reader_names(ctx: &Context) -> Result<Vec<CString>, ReaderError> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(pcsc_err("SCardListReaders")(e)),
    }
}
