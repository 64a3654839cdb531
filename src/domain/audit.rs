//! Custody audit (Pasal 27): the tokens physically present, reconciled with the inventory.
//! Pure: the caller hands in the inventory rows, what the scans saw and which tokens belong to
//! the station itself (station key, CA, staff tokens).
//!
//! A token is **expected** at the registration authority when its inventory state says the OP
//! keeps it: `stock`, `initialised`, `returned` (awaiting disposal), `refused` (set aside after
//! an advisory) or `enrolling` (a session is open). Issued, suspended, lost, damaged, revoked
//! and destroyed tokens are not expected; if one of them is present, the inventory and the
//! room disagree.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// States in which the OP itself holds the token.
pub const CUSTODY_STATES: &[&str] = &["stock", "initialised", "returned", "refused", "enrolling"];

/// A token of the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryToken {
    pub serial: String,
    pub state: String,
    pub model: String,
    pub label: String,
}

/// A token a scan saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenToken {
    pub serial: String,
    pub model: String,
    pub label: String,
    /// The token has a user PIN set (PKCS#11 `CKF_USER_PIN_INITIALIZED`).
    pub initialised: bool,
}

/// Why a present token disagrees with its inventory record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mismatch {
    /// The inventory says the token is not at the OP (issued, lost, destroyed, …).
    NotInCustody,
    /// The inventory says `stock`, but the token has a user PIN: someone initialised it.
    StockButInitialised,
}

/// One line of the audit result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub serial: String,
    /// Inventory state, if the token is in the inventory.
    pub state: Option<String>,
    pub model: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<Mismatch>,
}

/// The reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reconciliation {
    /// Present and expected, state consistent.
    pub present_expected: Vec<Finding>,
    /// Expected (custody state) but not seen by any scan.
    pub missing: Vec<Finding>,
    /// Seen, but not in the inventory (and not a station token).
    pub unknown: Vec<Finding>,
    /// Seen, in the inventory, but the record disagrees.
    pub mismatched: Vec<Finding>,
    /// Seen and belonging to the station (station key, CA, staff): not custody items.
    pub station: Vec<Finding>,
}

impl Reconciliation {
    /// Nothing to report: every expected token present, nothing unknown or mis-stated.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.unknown.is_empty() && self.mismatched.is_empty()
    }
}

/// Reconciles the scans with the inventory. Every serial lands in exactly one list; lists are
/// sorted by serial.
pub fn reconcile(
    inventory: &[InventoryToken],
    seen: &[SeenToken],
    station_serials: &BTreeSet<String>,
) -> Reconciliation {
    let by_serial: BTreeMap<&str, &InventoryToken> =
        inventory.iter().map(|t| (t.serial.as_str(), t)).collect();
    let seen_by: BTreeMap<&str, &SeenToken> = seen.iter().map(|s| (s.serial.as_str(), s)).collect();
    let mut r = Reconciliation::default();
    for (serial, s) in &seen_by {
        let finding = |state: Option<String>, mismatch| Finding {
            serial: (*serial).to_owned(),
            state,
            model: s.model.clone(),
            label: s.label.clone(),
            mismatch,
        };
        match by_serial.get(serial) {
            None if station_serials.contains(*serial) => r.station.push(finding(None, None)),
            None => r.unknown.push(finding(None, None)),
            Some(t) => {
                let state = Some(t.state.clone());
                if !CUSTODY_STATES.contains(&t.state.as_str()) {
                    r.mismatched
                        .push(finding(state, Some(Mismatch::NotInCustody)));
                } else if t.state == "stock" && s.initialised {
                    r.mismatched
                        .push(finding(state, Some(Mismatch::StockButInitialised)));
                } else {
                    r.present_expected.push(finding(state, None));
                }
            }
        }
    }
    for (serial, t) in &by_serial {
        if CUSTODY_STATES.contains(&t.state.as_str()) && !seen_by.contains_key(serial) {
            r.missing.push(Finding {
                serial: (*serial).to_owned(),
                state: Some(t.state.clone()),
                model: t.model.clone(),
                label: t.label.clone(),
                mismatch: None,
            });
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(serial: &str, state: &str) -> InventoryToken {
        InventoryToken {
            serial: serial.into(),
            state: state.into(),
            model: "SoftHSM v2".into(),
            label: format!("label {serial}"),
        }
    }

    fn seen(serial: &str, initialised: bool) -> SeenToken {
        SeenToken {
            serial: serial.into(),
            model: "SoftHSM v2".into(),
            label: format!("seen {serial}"),
            initialised,
        }
    }

    fn serials(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.serial.as_str()).collect()
    }

    #[test]
    fn one_missing_one_unknown_and_one_mis_stated_token_are_each_named_once() {
        let inventory = vec![
            inv("A", "stock"),
            inv("B", "stock"),
            inv("C", "lost"),
            inv("D", "issued"),
            inv("E", "returned"),
        ];
        let scans = vec![
            seen("A", false),
            seen("C", true),
            seen("X", false),
            seen("E", true),
        ];
        let r = reconcile(&inventory, &scans, &BTreeSet::new());
        assert_eq!(serials(&r.present_expected), ["A", "E"]);
        assert_eq!(serials(&r.missing), ["B"]);
        assert_eq!(serials(&r.unknown), ["X"]);
        assert_eq!(serials(&r.mismatched), ["C"]);
        assert_eq!(r.mismatched[0].mismatch, Some(Mismatch::NotInCustody));
        assert!(!r.is_clean());
        // D is issued and not present: with its holder, as the inventory says.
        for list in [&r.present_expected, &r.missing, &r.unknown, &r.mismatched] {
            assert!(!serials(list).contains(&"D"));
        }
    }

    #[test]
    fn a_stock_token_with_a_user_pin_is_mis_stated() {
        let r = reconcile(&[inv("A", "stock")], &[seen("A", true)], &BTreeSet::new());
        assert_eq!(
            r.mismatched[0].mismatch,
            Some(Mismatch::StockButInitialised)
        );
    }

    #[test]
    fn station_tokens_are_listed_apart_and_do_not_make_the_audit_unclean() {
        let station: BTreeSet<String> = ["S".to_owned()].into();
        let r = reconcile(
            &[inv("A", "initialised")],
            &[seen("A", true), seen("S", true)],
            &station,
        );
        assert_eq!(serials(&r.station), ["S"]);
        assert_eq!(serials(&r.present_expected), ["A"]);
        assert!(r.is_clean());
    }

    #[test]
    fn an_empty_room_reports_every_custody_token_missing() {
        let r = reconcile(
            &[
                inv("A", "stock"),
                inv("B", "destroyed"),
                inv("C", "enrolling"),
            ],
            &[],
            &BTreeSet::new(),
        );
        assert_eq!(serials(&r.missing), ["A", "C"]);
    }
}
