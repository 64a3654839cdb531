//! The station token's copy of the latest checkpoint (the "witness") against the database.
//!
//! After every seal the station writes the checkpoint it just committed to its station token
//! (`docs/formats/ledger.md` §3.2). A database copied back from an older backup, or cut at an
//! earlier checkpoint, then holds fewer events than the token says, or a different history at
//! the token's size. This module is the rule that compares the two; it is pure: the store
//! gathers the facts ([`LedgerFacts`]) and the service reads the token.

use super::ledger::Hash;

/// What the database says about itself at the token's tree size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerFacts {
    /// Events in the database (the sequence number of its head).
    pub events: u64,
    /// The stored hash of event number `tree_size` of the token's checkpoint, if the database
    /// holds that many events.
    pub hash_at_token_size: Option<Hash>,
    /// Checkpoints in the database with a tree size above the token's: seals the token has
    /// not seen.
    pub checkpoints_after_token: u64,
}

/// How the database stands against the token's checkpoint, when it is not rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WitnessStanding {
    /// The token holds the database's latest checkpoint.
    InStep { tree_size: u64 },
    /// The token holds the checkpoint before the database's latest: the station stopped
    /// between committing a seal and writing it to the token (the database is committed
    /// first). Accepted; the next seal brings the token up to date.
    OneSealBehind { token_size: u64, events: u64 },
    /// The token is more than one seal behind a database that extends it: its writes failed,
    /// or the token folder was restored from an older backup. Nothing the token knew is
    /// missing, so this is a warning; the next seal brings the token up to date.
    Behind {
        token_size: u64,
        events: u64,
        seals: u64,
    },
}

/// The database is older or shorter than the station token says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackError {
    #[error(
        "the database holds {events} events, but the station token's checkpoint covers \
         {token_size}: the database was rolled back to an older copy or its newest events \
         were cut"
    )]
    RolledBack { token_size: u64, events: u64 },
    #[error(
        "event {tree_size} in the database differs from the station token's checkpoint: the \
         history was replaced after the token's seal"
    )]
    HistoryDiffers { tree_size: u64 },
    #[error("the checkpoint on the station token is not valid: {reason}")]
    BadTokenCheckpoint { reason: String },
}

/// The rule (`docs/formats/ledger.md` §3.2): the database must hold at least the token's
/// `tree_size` events, with the token's head hash at that size. A database one seal ahead of
/// the token is normal after a stop between commit and token write; further ahead is a
/// warning. A database behind or beside the token is the attack.
pub fn compare(
    token_size: u64,
    token_head: &Hash,
    db: &LedgerFacts,
) -> Result<WitnessStanding, RollbackError> {
    if db.events < token_size {
        return Err(RollbackError::RolledBack {
            token_size,
            events: db.events,
        });
    }
    if db.hash_at_token_size.as_ref() != Some(token_head) {
        return Err(RollbackError::HistoryDiffers {
            tree_size: token_size,
        });
    }
    Ok(match db.checkpoints_after_token {
        0 => WitnessStanding::InStep {
            tree_size: token_size,
        },
        1 => WitnessStanding::OneSealBehind {
            token_size,
            events: db.events,
        },
        seals => WitnessStanding::Behind {
            token_size,
            events: db.events,
            seals,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Hash = [7; 32];
    const OTHER: Hash = [8; 32];

    fn facts(events: u64, hash: Option<Hash>, after: u64) -> LedgerFacts {
        LedgerFacts {
            events,
            hash_at_token_size: hash,
            checkpoints_after_token: after,
        }
    }

    #[test]
    fn regression_issue16_a_database_in_step_with_the_token_is_accepted() {
        assert_eq!(
            compare(12, &H, &facts(12, Some(H), 0)),
            Ok(WitnessStanding::InStep { tree_size: 12 })
        );
    }

    #[test]
    fn regression_issue16_a_database_shorter_than_the_token_is_rolled_back() {
        assert_eq!(
            compare(12, &H, &facts(9, None, 0)),
            Err(RollbackError::RolledBack {
                token_size: 12,
                events: 9
            })
        );
        // Even an empty database.
        assert_eq!(
            compare(1, &H, &facts(0, None, 0)),
            Err(RollbackError::RolledBack {
                token_size: 1,
                events: 0
            })
        );
    }

    #[test]
    fn regression_issue16_a_database_that_was_cut_and_appended_again_differs_at_the_token_size() {
        // Truncated to an earlier checkpoint, then new events sealed past the token's size.
        assert_eq!(
            compare(12, &H, &facts(15, Some(OTHER), 1)),
            Err(RollbackError::HistoryDiffers { tree_size: 12 })
        );
    }

    #[test]
    fn regression_issue16_a_database_one_seal_ahead_is_accepted_as_a_stop_between_commit_and_token()
    {
        assert_eq!(
            compare(12, &H, &facts(14, Some(H), 1)),
            Ok(WitnessStanding::OneSealBehind {
                token_size: 12,
                events: 14
            })
        );
    }

    #[test]
    fn regression_issue16_a_token_several_seals_behind_is_a_warning_not_a_rollback() {
        assert_eq!(
            compare(12, &H, &facts(30, Some(H), 4)),
            Ok(WitnessStanding::Behind {
                token_size: 12,
                events: 30,
                seals: 4
            })
        );
    }
}
