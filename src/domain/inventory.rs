//! The token lifecycle as data (custody of hardware tokens, Pasal 16).
//!
//! A token moves through [`TokenState`]s. Every allowed move is one row of [`TRANSITIONS`]
//! (like Dogtag's token state table): who may make it ([`Role`]) and whether a reason must be
//! recorded. Anything not in the table is refused. Returned and destroyed tokens also carry a
//! [`DisposalStatus`] (is the key material gone, was the destruction witnessed).
//!
//! Pure: no I/O. The store that persists a token's state calls [`TokenStatus::apply`] and writes
//! the result together with a ledger event. The format is described in
//! `docs/formats/inventory.md`.

use std::fmt;
use std::str::FromStr;

/// Where a token is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenState {
    /// Received from the supplier, in the safe, factory PINs.
    Stock,
    /// PINs/management key changed from the factory values; ready for a holder.
    Initialised,
    /// Key generated and certificate written; handed to its holder.
    Issued,
    /// Temporarily not to be used (certificate on hold); may be reinstated.
    Suspended,
    /// Reported lost by the holder.
    Lost,
    /// Broken (does not answer, PIN locked beyond recovery, physically damaged).
    Damaged,
    /// Its certificate was revoked (the holder left, the key is suspect, …).
    Revoked,
    /// Back in the registration authority's hands (found, or handed back), awaiting disposal.
    Returned,
    /// Physically destroyed (terminal).
    Destroyed,
}

impl TokenState {
    pub const ALL: [TokenState; 9] = [
        TokenState::Stock,
        TokenState::Initialised,
        TokenState::Issued,
        TokenState::Suspended,
        TokenState::Lost,
        TokenState::Damaged,
        TokenState::Revoked,
        TokenState::Returned,
        TokenState::Destroyed,
    ];

    /// The name stored in the database and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Stock => "stock",
            TokenState::Initialised => "initialised",
            TokenState::Issued => "issued",
            TokenState::Suspended => "suspended",
            TokenState::Lost => "lost",
            TokenState::Damaged => "damaged",
            TokenState::Revoked => "revoked",
            TokenState::Returned => "returned",
            TokenState::Destroyed => "destroyed",
        }
    }

    /// Whether a token in this state carries a [`DisposalStatus`].
    pub fn has_disposal(self) -> bool {
        matches!(self, TokenState::Returned | TokenState::Destroyed)
    }

    /// Whether a holder may still use the token to sign.
    pub fn is_in_service(self) -> bool {
        self == TokenState::Issued
    }
}

impl fmt::Display for TokenState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenState {
    type Err = InventoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TokenState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| InventoryError::UnknownState { name: s.to_owned() })
    }
}

/// What happened to the key material and the device of a returned or destroyed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DisposalStatus {
    /// Returned, nothing done yet: the holder's key may still be on it.
    Pending,
    /// Reset to factory state (PIV reset / re-initialised): no key material left.
    Wiped,
    /// Physically destroyed in front of a witness (an auditor).
    DestroyedWitnessed,
}

impl DisposalStatus {
    pub const ALL: [DisposalStatus; 3] = [
        DisposalStatus::Pending,
        DisposalStatus::Wiped,
        DisposalStatus::DestroyedWitnessed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisposalStatus::Pending => "pending",
            DisposalStatus::Wiped => "wiped",
            DisposalStatus::DestroyedWitnessed => "destroyed_witnessed",
        }
    }
}

impl fmt::Display for DisposalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DisposalStatus {
    type Err = InventoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DisposalStatus::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| InventoryError::UnknownDisposal { name: s.to_owned() })
    }
}

/// Who acts on the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A registration officer (petugas OP) at the desk.
    Officer,
    /// An auditor/supervisor, independent of the desk: reads everything, changes nothing
    /// (no row of [`TRANSITIONS`] names this role); witnesses destructions.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Officer, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: TokenState,
    pub to: TokenState,
    /// Roles that may make the move.
    pub by: &'static [Role],
    /// A free-text reason must be recorded with the move.
    pub reason_required: bool,
}

const OFFICER: &[Role] = &[Role::Officer];

const fn t(
    from: TokenState,
    to: TokenState,
    by: &'static [Role],
    reason_required: bool,
) -> Transition {
    Transition {
        from,
        to,
        by,
        reason_required,
    }
}

/// **The** lifecycle: every allowed transition, and nothing else.
pub const TRANSITIONS: &[Transition] = {
    use TokenState::*;
    &[
        // Provisioning.
        t(Stock, Initialised, OFFICER, false),
        t(Initialised, Issued, OFFICER, false),
        // Hold and reinstatement.
        t(Issued, Suspended, OFFICER, true),
        t(Suspended, Issued, OFFICER, true),
        // Out of service.
        t(Issued, Lost, OFFICER, true),
        t(Issued, Damaged, OFFICER, true),
        t(Issued, Revoked, OFFICER, true),
        t(Suspended, Lost, OFFICER, true),
        t(Suspended, Damaged, OFFICER, true),
        t(Suspended, Revoked, OFFICER, true),
        // Back at the desk: a lost token was found, a damaged/revoked one handed back.
        t(Lost, Returned, OFFICER, true),
        t(Damaged, Returned, OFFICER, false),
        t(Revoked, Returned, OFFICER, false),
        // Disposal: destroyed by an officer before an auditor as witness (the service records
        // the witness), or wiped and put back in stock.
        t(Returned, Destroyed, OFFICER, true),
        t(Returned, Stock, OFFICER, false),
    ]
};

/// The row for `from → to`, if the move is allowed at all.
pub fn rule(from: TokenState, to: TokenState) -> Option<&'static Transition> {
    TRANSITIONS.iter().find(|r| r.from == from && r.to == to)
}

/// Why a lifecycle step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("a token cannot go from {from} to {to}")]
    NotAllowed { from: TokenState, to: TokenState },
    #[error("{role} may not move a token from {from} to {to} (only {allowed})")]
    RoleNotPermitted {
        from: TokenState,
        to: TokenState,
        role: Role,
        allowed: String,
    },
    #[error("moving a token from {from} to {to} needs a reason")]
    ReasonRequired { from: TokenState, to: TokenState },
    #[error(
        "the returned token must be wiped before it goes back to stock (disposal is {disposal})"
    )]
    NotWiped { disposal: DisposalStatus },
    #[error("a {state} token cannot have disposal status {disposal:?}")]
    DisposalMismatch {
        state: TokenState,
        disposal: Option<DisposalStatus>,
    },
    #[error("officer {officer} may not act on their own token")]
    OwnToken { officer: String },
    #[error("a token cannot replace itself ({token})")]
    SelfReplacement { token: String },
    #[error(
        "token {token} is {state}; only a lost, damaged, revoked, returned or destroyed token can be replaced"
    )]
    NotReplaceable { token: String, state: TokenState },
    #[error("unknown token state {name:?}")]
    UnknownState { name: String },
    #[error("unknown disposal status {name:?}")]
    UnknownDisposal { name: String },
}

/// Checks a move against the table and the role: the new state, or why not.
///
/// This does not check the reason or the disposal status; [`TokenStatus::apply`] does all.
pub fn transition(
    from: TokenState,
    to: TokenState,
    role: Role,
) -> Result<TokenState, InventoryError> {
    let rule = rule(from, to).ok_or(InventoryError::NotAllowed { from, to })?;
    if !rule.by.contains(&role) {
        return Err(InventoryError::RoleNotPermitted {
            from,
            to,
            role,
            allowed: rule
                .by
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
        });
    }
    Ok(to)
}

/// Separation of duties: an officer may not act on a token they hold themselves. Officer ids
/// (NIP) compare ignoring spaces and case.
pub fn check_not_own_token(
    officer_id: &str,
    holder_id: Option<&str>,
) -> Result<(), InventoryError> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match holder_id {
        Some(holder) if !norm(holder).is_empty() && norm(holder) == norm(officer_id) => {
            Err(InventoryError::OwnToken {
                officer: officer_id.trim().to_owned(),
            })
        }
        _ => Ok(()),
    }
}

/// A token's state with its disposal status (only for returned/destroyed tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStatus {
    pub state: TokenState,
    pub disposal: Option<DisposalStatus>,
}

impl TokenStatus {
    /// A token just received from the supplier.
    pub const fn stock() -> Self {
        Self {
            state: TokenState::Stock,
            disposal: None,
        }
    }

    /// A stored pair, checked for consistency (disposal only on returned/destroyed; a destroyed
    /// token is always `destroyed_witnessed`).
    pub fn new(
        state: TokenState,
        disposal: Option<DisposalStatus>,
    ) -> Result<Self, InventoryError> {
        let ok = match (state, disposal) {
            (TokenState::Returned, Some(DisposalStatus::Pending | DisposalStatus::Wiped)) => true,
            (TokenState::Destroyed, Some(DisposalStatus::DestroyedWitnessed)) => true,
            (s, None) => !s.has_disposal(),
            _ => false,
        };
        if ok {
            Ok(Self { state, disposal })
        } else {
            Err(InventoryError::DisposalMismatch { state, disposal })
        }
    }

    /// Makes the move `self.state → to` by `role`, with `reason` (blank counts as none).
    /// Entering `returned` starts disposal at `pending`; `returned → stock` needs `wiped`;
    /// `returned → destroyed` records `destroyed_witnessed`.
    pub fn apply(
        &self,
        to: TokenState,
        role: Role,
        reason: Option<&str>,
    ) -> Result<TokenStatus, InventoryError> {
        let from = self.state;
        transition(from, to, role)?;
        let rule = rule(from, to).ok_or(InventoryError::NotAllowed { from, to })?;
        if rule.reason_required && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(InventoryError::ReasonRequired { from, to });
        }
        let disposal = match to {
            TokenState::Returned => Some(DisposalStatus::Pending),
            TokenState::Destroyed => Some(DisposalStatus::DestroyedWitnessed),
            TokenState::Stock => match self.disposal {
                Some(DisposalStatus::Wiped) => None,
                other => {
                    return Err(InventoryError::NotWiped {
                        disposal: other.unwrap_or(DisposalStatus::Pending),
                    });
                }
            },
            _ => None,
        };
        Ok(TokenStatus {
            state: to,
            disposal,
        })
    }

    /// Records that a returned token was wiped (an officer reset it to factory state).
    pub fn record_wipe(&self, role: Role) -> Result<TokenStatus, InventoryError> {
        match (self.state, self.disposal, role) {
            (
                TokenState::Returned,
                Some(DisposalStatus::Pending | DisposalStatus::Wiped),
                Role::Officer,
            ) => Ok(TokenStatus {
                state: TokenState::Returned,
                disposal: Some(DisposalStatus::Wiped),
            }),
            (TokenState::Returned, _, role) if role != Role::Officer => {
                Err(InventoryError::RoleNotPermitted {
                    from: TokenState::Returned,
                    to: TokenState::Returned,
                    role,
                    allowed: Role::Officer.as_str().to_owned(),
                })
            }
            (state, disposal, _) => Err(InventoryError::DisposalMismatch { state, disposal }),
        }
    }
}

/// Why a holder gets a new token in place of an old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacementReason {
    Lost,
    Damaged,
    Revoked,
    /// Handed back (e.g. a token model withdrawn after an advisory).
    Returned,
}

/// A replacement token links to the one it replaces (by token serial or inventory id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub token: String,
    pub replaces: String,
    pub reason: ReplacementReason,
}

impl Replacement {
    /// `token` replaces `replaces`, which is in `replaced_state`.
    pub fn new(
        token: &str,
        replaces: &str,
        replaced_state: TokenState,
    ) -> Result<Self, InventoryError> {
        if token == replaces {
            return Err(InventoryError::SelfReplacement {
                token: token.to_owned(),
            });
        }
        let reason = match replaced_state {
            TokenState::Lost => ReplacementReason::Lost,
            TokenState::Damaged => ReplacementReason::Damaged,
            TokenState::Revoked => ReplacementReason::Revoked,
            TokenState::Returned | TokenState::Destroyed => ReplacementReason::Returned,
            state => {
                return Err(InventoryError::NotReplaceable {
                    token: replaces.to_owned(),
                    state,
                });
            }
        };
        Ok(Self {
            token: token.to_owned(),
            replaces: replaces.to_owned(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenState::*;

    /// The lifecycle as the custody procedure states it, written out independently of
    /// [`TRANSITIONS`]: (from, to, officer may, auditor may, reason required).
    const EXPECTED: &[(TokenState, TokenState, bool, bool, bool)] = &[
        (Stock, Initialised, true, false, false),
        (Initialised, Issued, true, false, false),
        (Issued, Suspended, true, false, true),
        (Suspended, Issued, true, false, true),
        (Issued, Lost, true, false, true),
        (Issued, Damaged, true, false, true),
        (Issued, Revoked, true, false, true),
        (Suspended, Lost, true, false, true),
        (Suspended, Damaged, true, false, true),
        (Suspended, Revoked, true, false, true),
        (Lost, Returned, true, false, true),
        (Damaged, Returned, true, false, false),
        (Revoked, Returned, true, false, false),
        (Returned, Destroyed, true, false, true),
        (Returned, Stock, true, false, false),
    ];

    fn expected(from: TokenState, to: TokenState) -> Option<(bool, bool, bool)> {
        EXPECTED
            .iter()
            .find(|e| e.0 == from && e.1 == to)
            .map(|e| (e.2, e.3, e.4))
    }

    #[test]
    fn the_table_is_exactly_the_documented_lifecycle() {
        assert_eq!(TRANSITIONS.len(), EXPECTED.len());
        for r in TRANSITIONS {
            let (officer, auditor, reason) = expected(r.from, r.to)
                .unwrap_or_else(|| panic!("{} -> {} is not in the lifecycle", r.from, r.to));
            assert_eq!(
                r.by.contains(&Role::Officer),
                officer,
                "{} -> {}",
                r.from,
                r.to
            );
            assert_eq!(
                r.by.contains(&Role::Auditor),
                auditor,
                "{} -> {}",
                r.from,
                r.to
            );
            assert_eq!(r.reason_required, reason, "{} -> {}", r.from, r.to);
        }
        let mut pairs: Vec<_> = TRANSITIONS.iter().map(|r| (r.from, r.to)).collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), TRANSITIONS.len(), "duplicate rows");
    }

    #[test]
    fn every_pair_of_states_and_role_is_allowed_or_refused_as_the_table_says() {
        let (mut allowed, mut refused) = (0, 0);
        for from in TokenState::ALL {
            for to in TokenState::ALL {
                for role in Role::ALL {
                    let result = transition(from, to, role);
                    match expected(from, to) {
                        None => {
                            refused += 1;
                            assert_eq!(
                                result,
                                Err(InventoryError::NotAllowed { from, to }),
                                "{from} -> {to} by {role}"
                            );
                        }
                        Some((officer, auditor, _)) => {
                            let may = match role {
                                Role::Officer => officer,
                                Role::Auditor => auditor,
                            };
                            if may {
                                allowed += 1;
                                assert_eq!(result, Ok(to), "{from} -> {to} by {role}");
                            } else {
                                refused += 1;
                                assert!(
                                    matches!(result, Err(InventoryError::RoleNotPermitted { .. })),
                                    "{from} -> {to} by {role}: {result:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(allowed + refused, 9 * 9 * 2);
        assert_eq!(
            allowed, 15,
            "every row, by officers only: an auditor changes nothing"
        );
    }

    #[test]
    fn a_token_never_moves_to_its_own_state_and_destroyed_is_final() {
        for s in TokenState::ALL {
            assert!(rule(s, s).is_none(), "{s} -> {s}");
            assert!(rule(Destroyed, s).is_none(), "destroyed -> {s}");
        }
    }

    fn status_in(state: TokenState) -> TokenStatus {
        let disposal = match state {
            Returned => Some(DisposalStatus::Wiped),
            Destroyed => Some(DisposalStatus::DestroyedWitnessed),
            _ => None,
        };
        TokenStatus::new(state, disposal).unwrap()
    }

    #[test]
    fn apply_demands_a_reason_exactly_where_the_table_says() {
        for r in TRANSITIONS {
            let role = r.by[0];
            let from = status_in(r.from);
            let without = from.apply(r.to, role, None);
            let blank = from.apply(r.to, role, Some("  "));
            let with = from.apply(r.to, role, Some("laporan kehilangan no. 12/2026"));
            assert_eq!(with.map(|s| s.state), Ok(r.to), "{} -> {}", r.from, r.to);
            if r.reason_required {
                let err = Err(InventoryError::ReasonRequired {
                    from: r.from,
                    to: r.to,
                });
                assert_eq!(without, err, "{} -> {}", r.from, r.to);
                assert_eq!(blank, err, "{} -> {}", r.from, r.to);
            } else {
                assert!(without.is_ok(), "{} -> {}", r.from, r.to);
            }
        }
    }

    #[test]
    fn apply_refuses_every_move_the_table_does_not_allow() {
        for from in TokenState::ALL {
            for to in TokenState::ALL {
                for role in Role::ALL {
                    let allowed = rule(from, to).is_some_and(|r| r.by.contains(&role));
                    let result = status_in(from).apply(to, role, Some("reason"));
                    assert_eq!(
                        result.is_ok(),
                        allowed,
                        "{from} -> {to} by {role}: {result:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_returned_token_goes_back_to_stock_only_after_it_is_wiped() {
        let revoked = TokenStatus::new(Revoked, None).unwrap();
        let returned = revoked.apply(Returned, Role::Officer, None).unwrap();
        assert_eq!(returned.disposal, Some(DisposalStatus::Pending));
        assert_eq!(
            returned.apply(Stock, Role::Officer, None),
            Err(InventoryError::NotWiped {
                disposal: DisposalStatus::Pending
            })
        );
        assert!(matches!(
            returned.record_wipe(Role::Auditor),
            Err(InventoryError::RoleNotPermitted { .. })
        ));
        let wiped = returned.record_wipe(Role::Officer).unwrap();
        assert_eq!(wiped.disposal, Some(DisposalStatus::Wiped));
        assert_eq!(
            wiped.apply(Stock, Role::Officer, None),
            Ok(TokenStatus::stock())
        );
        assert!(matches!(
            TokenStatus::stock().record_wipe(Role::Officer),
            Err(InventoryError::DisposalMismatch { .. })
        ));
    }

    #[test]
    fn destruction_is_recorded_by_an_officer_as_witnessed_and_an_auditor_changes_nothing() {
        let returned = TokenStatus::new(Returned, Some(DisposalStatus::Pending)).unwrap();
        assert!(matches!(
            returned.apply(
                Destroyed,
                Role::Auditor,
                Some("berita acara pemusnahan 3/2026")
            ),
            Err(InventoryError::RoleNotPermitted { .. })
        ));
        let destroyed = returned
            .apply(
                Destroyed,
                Role::Officer,
                Some("berita acara pemusnahan 3/2026"),
            )
            .unwrap();
        assert_eq!(destroyed.disposal, Some(DisposalStatus::DestroyedWitnessed));
        assert!(
            TRANSITIONS.iter().all(|r| !r.by.contains(&Role::Auditor)),
            "auditors read and audit; they move no token"
        );
    }

    #[test]
    fn disposal_status_exists_only_for_returned_and_destroyed_tokens() {
        for state in TokenState::ALL {
            for disposal in DisposalStatus::ALL.map(Some).into_iter().chain([None]) {
                let ok = matches!(
                    (state, disposal),
                    (
                        Returned,
                        Some(DisposalStatus::Pending | DisposalStatus::Wiped)
                    ) | (Destroyed, Some(DisposalStatus::DestroyedWitnessed))
                ) || (disposal.is_none() && !state.has_disposal());
                assert_eq!(
                    TokenStatus::new(state, disposal).is_ok(),
                    ok,
                    "{state} {disposal:?}"
                );
            }
        }
    }

    #[test]
    fn an_officer_may_not_act_on_their_own_token() {
        let nip = "198001012005011001";
        assert_eq!(
            check_not_own_token(nip, Some(" 19800101 2005011001 ")),
            Err(InventoryError::OwnToken {
                officer: nip.to_owned()
            })
        );
        assert_eq!(check_not_own_token(nip, Some("199002022010012002")), Ok(()));
        assert_eq!(check_not_own_token(nip, None), Ok(()));
        assert_eq!(check_not_own_token(nip, Some("")), Ok(()));
    }

    #[test]
    fn a_replacement_links_to_a_token_that_is_out_of_service() {
        let r = Replacement::new("SN-NEW", "SN-OLD", Lost).unwrap();
        assert_eq!(r.replaces, "SN-OLD");
        assert_eq!(r.reason, ReplacementReason::Lost);
        assert!(matches!(
            Replacement::new("SN-NEW", "SN-OLD", Issued),
            Err(InventoryError::NotReplaceable { .. })
        ));
        assert!(matches!(
            Replacement::new("SN-1", "SN-1", Lost),
            Err(InventoryError::SelfReplacement { .. })
        ));
    }

    #[test]
    fn state_and_disposal_names_round_trip() {
        for s in TokenState::ALL {
            assert_eq!(s.as_str().parse::<TokenState>(), Ok(s));
        }
        for d in DisposalStatus::ALL {
            assert_eq!(d.as_str().parse::<DisposalStatus>(), Ok(d));
        }
        assert!("gone".parse::<TokenState>().is_err());
    }
}
