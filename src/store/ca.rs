//! The CA's records in the station database (`002_ca.sql`): issued certificates,
//! revocations and CRL numbers, written inside the caller's unit of work.

use rusqlite::{OptionalExtension as _, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{StoreError, UnitOfWork};
use crate::ca::{CaRecords, IssuedRecord, RevocationReason, RevokedRecord};

fn fmt_time(t: OffsetDateTime) -> Result<String, StoreError> {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("time {t} cannot be stored: {e}")))
}

fn parse_time(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| StoreError::Corrupt(format!("bad timestamp {s:?}")))
}

fn reason(code: i64) -> Result<RevocationReason, StoreError> {
    u8::try_from(code)
        .ok()
        .and_then(RevocationReason::from_code)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown revocation reason code {code}")))
}

impl CaRecords for UnitOfWork<'_> {
    fn now(&self) -> OffsetDateTime {
        UnitOfWork::now(self)
    }

    fn serial_exists(&self, ca: &str, serial_hex: &str) -> Result<bool, StoreError> {
        Ok(self.connection().query_row(
            "SELECT EXISTS (SELECT 1 FROM ca_certificates WHERE ca = ?1 AND serial_hex = ?2)",
            params![ca, serial_hex],
            |r| r.get(0),
        )?)
    }

    fn record_issued(&mut self, rec: &IssuedRecord) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO ca_certificates (ca, serial_hex, subject, not_before, not_after, \
                 request_id, der) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                rec.ca,
                rec.serial_hex,
                rec.subject,
                fmt_time(rec.not_before)?,
                fmt_time(rec.not_after)?,
                rec.request_id,
                rec.der
            ])?;
        Ok(())
    }

    fn issued(&self, ca: &str, serial_hex: &str) -> Result<Option<IssuedRecord>, StoreError> {
        let row = self
            .connection()
            .prepare_cached(
                "SELECT subject, not_before, not_after, request_id, der FROM ca_certificates \
                 WHERE ca = ?1 AND serial_hex = ?2",
            )?
            .query_row(params![ca, serial_hex], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })
            .optional()?;
        row.map(|(subject, nb, na, request_id, der)| {
            Ok(IssuedRecord {
                ca: ca.to_owned(),
                serial_hex: serial_hex.to_owned(),
                subject,
                not_before: parse_time(&nb)?,
                not_after: parse_time(&na)?,
                request_id,
                der,
            })
        })
        .transpose()
    }

    fn record_revocation(
        &mut self,
        ca: &str,
        rev: &RevokedRecord,
    ) -> Result<Option<RevokedRecord>, StoreError> {
        let earlier = self
            .connection()
            .prepare_cached(
                "SELECT reason, revoked_at FROM ca_revocations WHERE ca = ?1 AND serial_hex = ?2",
            )?
            .query_row(params![ca, rev.serial_hex], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        if let Some((code, at)) = earlier {
            return Ok(Some(RevokedRecord {
                serial_hex: rev.serial_hex.clone(),
                reason: reason(code)?,
                revoked_at: parse_time(&at)?,
            }));
        }
        self.connection()
            .prepare_cached(
                "INSERT INTO ca_revocations (ca, serial_hex, reason, revoked_at) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                ca,
                rev.serial_hex,
                rev.reason.code(),
                fmt_time(rev.revoked_at)?
            ])?;
        Ok(None)
    }

    fn revocations(&self, ca: &str) -> Result<Vec<RevokedRecord>, StoreError> {
        // A CRL lists what the ledger says was revoked (issue 16): an edited, added or deleted
        // revocation of this CA is refused before anything is signed.
        super::records::check_records_with_prefix(
            self.connection(),
            "ca_revocations",
            &format!("{ca}/"),
        )?;
        let mut stmt = self.connection().prepare_cached(
            "SELECT serial_hex, reason, revoked_at FROM ca_revocations WHERE ca = ?1 \
             ORDER BY revoked_at, serial_hex",
        )?;
        let rows = stmt.query_map([ca], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (serial_hex, code, at) = row?;
            Ok(RevokedRecord {
                serial_hex,
                reason: reason(code)?,
                revoked_at: parse_time(&at)?,
            })
        })
        .collect()
    }

    fn next_crl_number(&mut self, ca: &str) -> Result<u64, StoreError> {
        let n: i64 = self.connection().query_row(
            "INSERT INTO ca_crl_numbers (ca, last_number) VALUES (?1, 1) \
             ON CONFLICT (ca) DO UPDATE SET last_number = last_number + 1 \
             RETURNING last_number",
            [ca],
            |r| r.get(0),
        )?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("CRL number {n}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::test_support::TestSigner;
    use crate::ports::clock::FixedClock;
    use crate::store::SqliteStore;
    use time::macros::datetime;

    const CLOCK: FixedClock = FixedClock(datetime!(2025-03-01 08:00:00 UTC));

    fn record(serial: &str) -> IssuedRecord {
        IssuedRecord {
            ca: "embedded:test".into(),
            serial_hex: serial.into(),
            subject: "CN=Siti".into(),
            not_before: datetime!(2025-03-01 08:00:00 UTC),
            not_after: datetime!(2027-03-01 08:00:00 UTC),
            request_id: "APP-000001".into(),
            der: vec![0x30, 0x00],
        }
    }

    #[test]
    fn issued_certificates_revocations_and_crl_numbers_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path().join("k.sqlite")).unwrap();
        let signer = TestSigner::from_seed(1);
        store
            .unit_of_work(&signer, &CLOCK, |tx| {
                let ca = "embedded:test";
                assert!(!tx.serial_exists(ca, "0a")?);
                tx.record_issued(&record("0a"))?;
                assert!(tx.serial_exists(ca, "0a")?);
                assert!(!tx.serial_exists("other", "0a")?);
                assert_eq!(tx.issued(ca, "0a")?, Some(record("0a")));
                let rev = RevokedRecord {
                    serial_hex: "0a".into(),
                    reason: RevocationReason::KeyCompromise,
                    revoked_at: CaRecords::now(tx),
                };
                assert_eq!(tx.record_revocation(ca, &rev)?, None);
                let again = RevokedRecord {
                    reason: RevocationReason::Superseded,
                    ..rev.clone()
                };
                assert_eq!(tx.record_revocation(ca, &again)?, Some(rev.clone()));
                assert_eq!(tx.revocations(ca)?, vec![rev]);
                assert_eq!(tx.next_crl_number(ca)?, 1);
                assert_eq!(tx.next_crl_number(ca)?, 2);
                assert_eq!(tx.next_crl_number("other")?, 1);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn a_serial_cannot_be_recorded_twice_for_one_ca() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(dir.path().join("k.sqlite")).unwrap();
        let r = store.unit_of_work(&TestSigner::from_seed(1), &CLOCK, |tx| {
            tx.record_issued(&record("0b"))?;
            tx.record_issued(&record("0b"))
        });
        assert!(matches!(r, Err(StoreError::Sqlite(_))));
    }
}
