//! PIV provisioning of a stock device for its holder with the attestation bound to the
//! inventory record (issue 4), on a virtual PIV card behind a real pcscd and a sandbox station
//! home (SoftHSM2 station key, real SQLite file). Skipped (loudly) only when pcscd or the vpcd
//! driver is not installed, like tests/piv_virtual_card.rs.

mod enroll_common;
#[path = "support/piv.rs"]
mod piv;

use std::cell::Cell;
use std::collections::BTreeSet;

use enroll_common::Sandbox;
use kustodi::home::Home;
use kustodi::lifecycle::{self, IntakeEntry};
use kustodi::piv_provision::{PivProgress, PivProvisionError, PivProvisionRequest, provision_piv};
use kustodi::ports::clock::SystemClock;
use kustodi::ports::token::{KeyAlgorithm, TokenError, TokenSession};
use kustodi::secret::Pin;
use kustodi::service::Station;
use kustodi::token::attestation::{AttestationRefusal, TrustStore};
use kustodi::token::piv::{KeygenParams, PivPinPolicy, PivProvider, PivSlot, PivTouchPolicy};
use piv::{Card, port_a};

const OFFICER: &str = "198001012005011001";

macro_rules! card_test {
    () => {{
        if !piv::available() {
            return;
        }
        piv::lock()
    }};
}

/// The three scenarios share one station home: SoftHSM2 reads `SOFTHSM2_CONF` once per
/// process, so one process has one SoftHSM2 configuration (as the `kustodi` binary does).
#[test]
#[allow(unsafe_code)]
fn piv_provisioning_on_a_virtual_card() {
    let _g = card_test!();
    let sb = Sandbox::new();
    // SAFETY: the only test of this binary, before it starts a thread or loads SoftHSM2; the
    // sandbox was made by the `kustodi` binary in a child process.
    unsafe { std::env::set_var("SOFTHSM2_CONF", sb.path("softhsm2.conf")) };
    a_stock_device_is_provisioned_and_its_attested_serial_is_bound_to_the_inventory_record(&sb);
    an_attestation_the_station_does_not_trust_blocks_the_device_with_the_reason(&sb);
    a_device_pulled_out_mid_provisioning_leaves_no_record_claiming_a_key(&sb);
    the_cli_takes_a_device_into_stock_and_provisions_it_only_with_a_trusted_attestation(&sb);
}

fn station(sb: &Sandbox) -> Station<'static> {
    // SAFETY of the test process environment: the station key's SoftHSM2 config comes from
    // the home's config.toml, not from the environment.
    kustodi::station_key::open_station(
        Home::locate(Some(sb.home().to_owned())).unwrap(),
        Box::new(SystemClock),
    )
    .unwrap()
}

/// A sandbox station with the card registered as stock (intake of the device plugged in).
fn stocked(sb: &Sandbox, serial: u32) -> Station<'static> {
    let mut st = station(sb);
    let s = PivProvider::new().open_by_serial(serial).unwrap();
    let info = s.token_info().unwrap();
    let actor = lifecycle::actor(&st, OFFICER).unwrap();
    let r = lifecycle::intake(
        &mut st,
        &[IntakeEntry::from_info(&info)],
        &BTreeSet::new(),
        "present",
        &actor,
    )
    .unwrap();
    assert_eq!(r.registered.len(), 1, "{r:?}");
    st
}

fn params() -> KeygenParams {
    KeygenParams {
        slot: PivSlot::Signature,
        pin_policy: PivPinPolicy::Always,
        touch_policy: PivTouchPolicy::Never,
    }
}

fn test_trust() -> TrustStore {
    TrustStore::yubico()
        .with_test_root(&piv::attestation_root_pem())
        .unwrap()
}

fn state(sb: &Sandbox, serial: u32) -> String {
    sb.scalar(&format!(
        "SELECT state FROM tokens WHERE serial = '{serial}'"
    ))
}

fn events_for(sb: &Sandbox, serial: u32, kind: &str) -> usize {
    sb.scalar(&format!(
        "SELECT count(*) FROM ledger_events WHERE kind = '{kind}' AND subject = 'token:{serial}'"
    ))
    .parse()
    .unwrap()
}

/// The data of the one ledger event of `kind` about the device (as `kustodi ledger events`).
fn event_data(sb: &Sandbox, serial: u32, kind: &str) -> String {
    let (_, v) = sb.json(&["ledger", "events", "--limit", "100000"], None);
    let found: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind && e["subject"] == format!("token:{serial}").as_str())
        .collect();
    assert_eq!(found.len(), 1, "{kind}: {v}");
    serde_json::to_string(&found[0]["data"]).unwrap()
}

struct Steps(std::cell::RefCell<Vec<&'static str>>);
impl PivProgress for Steps {
    fn step(&self, step: &'static str) {
        self.0.borrow_mut().push(step);
    }
}

fn a_stock_device_is_provisioned_and_its_attested_serial_is_bound_to_the_inventory_record(
    sb: &Sandbox,
) {
    let serial = 7_100_111;
    let _card = Card::start(serial, port_a(), "5.3.1");
    let mut st = stocked(sb, serial);
    let actor = lifecycle::actor(&st, OFFICER).unwrap();
    let session = PivProvider::new().open_by_serial(serial).unwrap();
    let holder_pin = Pin::new("271828".to_owned());
    let steps = Steps(Default::default());
    let done = provision_piv(
        &mut st,
        &actor,
        &session,
        &PivProvisionRequest {
            holder_pin: &holder_pin,
            algorithm: KeyAlgorithm::P256,
            params: params(),
            trust: &test_trust(),
        },
        &steps,
    )
    .unwrap();
    assert_eq!(
        *steps.0.borrow(),
        vec!["provision", "keygen", "attestation", "record"]
    );
    assert_eq!(done.attested_serial, serial);
    assert_eq!(done.serial, serial.to_string());
    assert_eq!(done.escrow.len(), 2, "PUK and management key escrowed");
    assert_eq!(state(sb, serial), "initialised");
    assert_eq!(
        sb.scalar(&format!(
            "SELECT group_concat(kind, ',') FROM (SELECT kind FROM escrowed_secrets \
             WHERE token_serial = '{serial}' ORDER BY kind)"
        )),
        "management_key,puk"
    );
    // The ledger binds the attested serial and key to the inventory record.
    let data = event_data(sb, serial, "key.attestation");
    assert!(data.contains("\"result\":\"verified\""), "{data}");
    assert!(data.contains(&format!("\"serial\":{serial}")), "{data}");
    assert!(
        data.contains(&format!("\"inventory_serial\":\"{serial}\"")),
        "{data}"
    );
    let key = event_data(sb, serial, "key.generated");
    assert!(key.contains(&done.key_spki_sha256), "{key}");
    // The holder's PIN is the device's PIN now; it is nowhere in the database.
    let s = PivProvider::new().open_by_serial(serial).unwrap();
    s.login(&holder_pin).expect("the holder's PIN works");
    let db = std::fs::read(sb.path("kustodi.db")).unwrap();
    assert!(!db.windows(6).any(|w| w == b"271828"));
    sb.ledger_ok();

    // A device already provisioned is not provisioned again.
    let err = provision_piv(
        &mut st,
        &actor,
        &session,
        &PivProvisionRequest {
            holder_pin: &holder_pin,
            algorithm: KeyAlgorithm::P256,
            params: params(),
            trust: &test_trust(),
        },
        &kustodi::piv_provision::Quiet,
    )
    .unwrap_err();
    assert!(matches!(err, PivProvisionError::NotStock { .. }), "{err:?}");
}

fn an_attestation_the_station_does_not_trust_blocks_the_device_with_the_reason(sb: &Sandbox) {
    let serial = 7_100_121;
    let _card = Card::start(serial, port_a(), "5.3.1");
    let mut st = stocked(sb, serial);
    let actor = lifecycle::actor(&st, OFFICER).unwrap();
    let session = PivProvider::new().open_by_serial(serial).unwrap();
    // The production trust store: the harness's test CA is not in it.
    let err = provision_piv(
        &mut st,
        &actor,
        &session,
        &PivProvisionRequest {
            holder_pin: &Pin::new("271828".to_owned()),
            algorithm: KeyAlgorithm::P256,
            params: params(),
            trust: &TrustStore::yubico(),
        },
        &kustodi::piv_provision::Quiet,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            PivProvisionError::Attestation {
                refusal: AttestationRefusal::UntrustedRoot { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(state(sb, serial), "refused");
    assert_eq!(
        events_for(sb, serial, "key.generated"),
        0,
        "no key on record"
    );
    let data = event_data(sb, serial, "key.attestation");
    assert!(data.contains("\"result\":\"failed\""), "{data}");
    // The secrets the device took are escrowed all the same.
    assert_eq!(
        sb.scalar(&format!(
            "SELECT count(*) FROM escrowed_secrets WHERE token_serial = '{serial}'"
        )),
        "2"
    );
    sb.ledger_ok();
}

/// Stops the card when a step starts: the device is pulled out between two steps.
struct PullOutAt<'a> {
    at: &'static str,
    card: &'a Card,
    pulled: Cell<bool>,
}
impl PivProgress for PullOutAt<'_> {
    fn step(&self, step: &'static str) {
        if step == self.at && !self.pulled.get() {
            self.card.stop();
            self.pulled.set(true);
        }
    }
}

fn a_device_pulled_out_mid_provisioning_leaves_no_record_claiming_a_key(sb: &Sandbox) {
    for (i, at) in ["keygen", "attestation"].into_iter().enumerate() {
        let serial = 7_100_131 + i as u32;
        let card = Card::start(serial, port_a(), "5.3.1");
        let mut st = stocked(sb, serial);
        let actor = lifecycle::actor(&st, OFFICER).unwrap();
        let session = PivProvider::new().open_by_serial(serial).unwrap();
        let pull = PullOutAt {
            at,
            card: &card,
            pulled: Cell::new(false),
        };
        let err = provision_piv(
            &mut st,
            &actor,
            &session,
            &PivProvisionRequest {
                holder_pin: &Pin::new("271828".to_owned()),
                algorithm: KeyAlgorithm::P256,
                params: params(),
                trust: &test_trust(),
            },
            &pull,
        )
        .unwrap_err();
        assert!(pull.pulled.get());
        match &err {
            PivProvisionError::Token { step, error, .. } => {
                assert_eq!(*step, at, "{err}");
                assert!(
                    matches!(
                        error,
                        TokenError::Removed | TokenError::TokenNotFound { .. }
                    ),
                    "{at}: {error:?}"
                );
            }
            other => panic!("{at}: {other:?}"),
        }
        // Provisioned (secrets escrowed), but no key is on record; the failure is.
        assert_eq!(state(sb, serial), "initialised", "{at}");
        assert_eq!(events_for(sb, serial, "key.generated"), 0, "{at}");
        assert_eq!(events_for(sb, serial, "key.attestation"), 0, "{at}");
        assert_eq!(
            events_for(sb, serial, "token.provisioning_failed"),
            1,
            "{at}"
        );
        sb.ledger_ok();
    }
}

fn the_cli_takes_a_device_into_stock_and_provisions_it_only_with_a_trusted_attestation(
    sb: &Sandbox,
) {
    let intake = |serial: u32| {
        let (code, v) = sb.json(&["token", "intake", "--present"], None);
        assert_eq!(code, 0, "{v}");
        assert!(
            v["registered"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["serial"] == serial.to_string().as_str()),
            "{v}"
        );
    };
    // The production trust: the harness's test CA is refused, the device set aside.
    let refused = 7_100_141;
    let card = Card::start(refused, port_a(), "5.3.1");
    intake(refused);
    let (code, v) = sb.json(
        &["token", "piv-init", &refused.to_string(), "--pin-stdin"],
        Some("271828\n"),
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], "piv.attestation", "{v}");
    assert!(
        v["error"]["hint"].as_str().unwrap().contains("YubiKey"),
        "{v}"
    );
    assert_eq!(state(sb, refused), "refused");
    drop(card);

    // The test configuration trusts the harness's CA: provisioned, attested, bound.
    let root = sb.path("piv-test-root.pem");
    std::fs::write(&root, piv::attestation_root_pem()).unwrap();
    let mut cfg = std::fs::read_to_string(sb.path("config.toml")).unwrap();
    cfg.push_str("\n[tokens]\nattestation_test_roots = [\"piv-test-root.pem\"]\n");
    std::fs::write(sb.path("config.toml"), cfg).unwrap();
    let ok = 7_100_142;
    let _card = Card::start(ok, port_a(), "5.3.1");
    intake(ok);
    let (code, v) = sb.json(
        &["token", "piv-init", &ok.to_string(), "--pin-stdin"],
        Some("271828\n"),
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["attested_serial"], ok);
    assert_eq!(state(sb, ok), "initialised");
    // A second run is refused: the device is no longer in stock.
    let (_, v) = sb.json(
        &["token", "piv-init", &ok.to_string(), "--pin-stdin"],
        Some("271828\n"),
    );
    assert_eq!(v["error"]["code"], "piv.not_stock", "{v}");
    sb.ledger_ok();
}
