//! APDU layer between vpcd and the PIV application.
//!
//! Does the transport work a card OS would (command chaining, GET RESPONSE for long answers,
//! missing Le = 256) and makes the card look like a YubiKey to libykpiv and the `yubikey` crate:
//! - SELECT by the 5-byte PIV RID is widened to the full PIV AID;
//! - GET VERSION (FD) / GET SERIAL (F8) answer configurable values;
//! - ATTEST (F9), the attestation certificate object 5FFF01 and GET METADATA (F7) are served
//!   here, from key material observed in GENERATE ASYMMETRIC KEY PAIR (47) responses.

use std::collections::BTreeMap;

use crate::attest::{AttestedFacts, DeviceAttestation, SlotPublicKey};
use crate::tlv;

/// Full PIV AID (NIST SP 800-73-4) as piv-authenticator wants it.
pub const PIV_AID: [u8; 11] = [0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00];
/// YubiKey 5 (USB-A) ATR; historical bytes spell "YubiKey".
pub const YUBIKEY_ATR: [u8; 23] = [
    0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 0x59,
    0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0x40,
];

const SW_OK: u16 = 0x9000;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_WRONG_DATA: u16 = 0x6a80;
const SW_REF_NOT_FOUND: u16 = 0x6a88;
const SW_WRONG_P1P2: u16 = 0x6b00;
const SW_CONDITIONS: u16 = 0x6985;

const INS_VERIFY: u8 = 0x20;
const INS_CHANGE_REFERENCE: u8 = 0x24;
const INS_RESET_RETRY: u8 = 0x2c;
const INS_GENERATE: u8 = 0x47;
const INS_SELECT: u8 = 0xa4;
const INS_GET_RESPONSE: u8 = 0xc0;
const INS_GET_DATA: u8 = 0xcb;
const INS_GET_METADATA: u8 = 0xf7;
const INS_GET_SERIAL: u8 = 0xf8;
const INS_ATTEST: u8 = 0xf9;
const INS_RESET: u8 = 0xfb;
const INS_GET_VERSION: u8 = 0xfd;
const INS_IMPORT_KEY: u8 = 0xfe;
const INS_SET_MGMKEY: u8 = 0xff;

const PIN_TRIES: u8 = 3; // piv-authenticator's defaults
const PUK_TRIES: u8 = 5;
/// Object id of the attestation (F9) certificate on a YubiKey (`YKPIV_OBJ_ATTESTATION`).
const OBJ_ATTESTATION: [u8; 3] = [0x5f, 0xff, 0x01];

/// The PIV application as the adapter sees it: full (unchained) command in, data + SW out.
pub trait PivCard {
    fn transmit(&mut self, apdu: &[u8]) -> (Vec<u8>, u16);
    fn deselect(&mut self);
}

/// A parsed command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length; `None` when Le is absent.
    pub le: Option<usize>,
}

impl Apdu {
    pub fn parse(raw: &[u8]) -> Option<Apdu> {
        if raw.len() < 4 {
            return None;
        }
        let (cla, ins, p1, p2) = (raw[0], raw[1], raw[2], raw[3]);
        let body = &raw[4..];
        let (data, le) = match body.len() {
            0 => (&[][..], None),
            1 => (&[][..], Some(if body[0] == 0 { 256 } else { usize::from(body[0]) })),
            _ if body[0] != 0 => {
                let lc = usize::from(body[0]);
                match body.len() - 1 {
                    n if n == lc => (&body[1..], None),
                    n if n == lc + 1 => {
                        let le = body[lc + 1];
                        (&body[1..=lc], Some(if le == 0 { 256 } else { usize::from(le) }))
                    }
                    _ => return None,
                }
            }
            3 => {
                let le = usize::from(u16::from_be_bytes([body[1], body[2]]));
                (&[][..], Some(if le == 0 { 65536 } else { le }))
            }
            n if n > 3 => {
                let lc = usize::from(u16::from_be_bytes([body[1], body[2]]));
                let rest = &body[3..];
                match rest.len() {
                    r if r == lc => (rest, None),
                    r if r == lc + 2 => {
                        let le = usize::from(u16::from_be_bytes([rest[lc], rest[lc + 1]]));
                        (&rest[..lc], Some(if le == 0 { 65536 } else { le }))
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(Apdu { cla, ins, p1, p2, data: data.to_vec(), le })
    }

    /// Serializes with an explicit maximal Le (short if the data fits, extended otherwise).
    pub fn to_bytes_max_le(&self) -> Vec<u8> {
        let mut v = vec![self.cla, self.ins, self.p1, self.p2];
        if self.data.len() <= 255 {
            if !self.data.is_empty() {
                v.push(self.data.len() as u8);
                v.extend_from_slice(&self.data);
            }
            v.push(0x00);
        } else {
            v.push(0x00);
            v.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
            v.extend_from_slice(&self.data);
            v.extend_from_slice(&[0x00, 0x00]);
        }
        v
    }
}

/// Key material and policy of a slot, as observed.
#[derive(Debug, Clone)]
struct SlotInfo {
    algorithm: u8,
    public_key: Option<SlotPublicKey>,
    pin_policy: u8,
    touch_policy: u8,
    generated: bool,
}

/// Card-level state the adapter tracks (the PIV app does not expose it).
#[derive(Debug, Clone)]
struct Tracked {
    slots: BTreeMap<u8, SlotInfo>,
    pin_remaining: u8,
    puk_remaining: u8,
    pin_default: bool,
    puk_default: bool,
    mgm_default: bool,
    mgm_algorithm: u8,
}

impl Default for Tracked {
    fn default() -> Self {
        Tracked {
            slots: BTreeMap::new(),
            pin_remaining: PIN_TRIES,
            puk_remaining: PUK_TRIES,
            pin_default: true,
            puk_default: true,
            mgm_default: true,
            mgm_algorithm: 0x03,
        }
    }
}

/// Identity the adapter presents.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    pub serial: u32,
    pub version: [u8; 3],
    pub form_factor: u8,
}

pub struct Adapter<C> {
    card: C,
    identity: Identity,
    attestation: DeviceAttestation,
    chain: Option<Apdu>,
    pending: Vec<u8>,
    tracked: Tracked,
}

fn default_pin_policy(slot: u8) -> u8 {
    match slot {
        0x9c => 3, // always
        0x9e => 1, // never
        _ => 2,    // once
    }
}

fn response(data: &[u8], sw: u16) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 2);
    v.extend_from_slice(data);
    v.extend_from_slice(&sw.to_be_bytes());
    v
}

fn remaining_from_sw(sw: u16) -> Option<u8> {
    match sw {
        0x63c0..=0x63cf => Some((sw & 0x0f) as u8),
        0x6983 => Some(0),
        _ => None,
    }
}

impl<C: PivCard> Adapter<C> {
    pub fn new(card: C, identity: Identity, attestation: DeviceAttestation) -> Self {
        Adapter {
            card,
            identity,
            attestation,
            chain: None,
            pending: Vec::new(),
            tracked: Tracked::default(),
        }
    }

    /// Power off / reset from the reader: security state goes, transport state too.
    pub fn reset(&mut self) {
        self.chain = None;
        self.pending.clear();
        self.card.deselect();
    }

    /// One raw command APDU from vpcd to one raw response APDU.
    pub fn execute(&mut self, raw: &[u8]) -> Vec<u8> {
        let Some(apdu) = Apdu::parse(raw) else {
            log::warn!("malformed APDU {}", hex(raw));
            return response(&[], SW_WRONG_LENGTH);
        };
        if apdu.ins == INS_GET_RESPONSE && apdu.cla & 0x10 == 0 {
            return self.next_chunk(apdu.le.unwrap_or(256));
        }
        self.pending.clear();
        if apdu.cla & 0x10 != 0 {
            match &mut self.chain {
                Some(chain) if chain.ins == apdu.ins => chain.data.extend_from_slice(&apdu.data),
                _ => self.chain = Some(Apdu { cla: apdu.cla & !0x10, ..apdu }),
            }
            return response(&[], SW_OK);
        }
        let full = match self.chain.take() {
            Some(mut chain) if chain.ins == apdu.ins => {
                chain.data.extend_from_slice(&apdu.data);
                chain.le = apdu.le;
                chain
            }
            _ => apdu,
        };
        let le = full.le.unwrap_or(256);
        let t0 = std::time::Instant::now();
        let (data, sw) = self.handle(&full);
        log::debug!(
            "{:02x} {:02x} {:02x}{:02x} lc={} -> {} bytes sw={:04x} in {} us",
            full.cla,
            full.ins,
            full.p1,
            full.p2,
            full.data.len(),
            data.len(),
            sw,
            t0.elapsed().as_micros()
        );
        if data.len() <= le {
            return response(&data, sw);
        }
        self.pending = data;
        self.next_chunk(le)
    }

    fn next_chunk(&mut self, le: usize) -> Vec<u8> {
        if self.pending.is_empty() {
            return response(&[], SW_CONDITIONS);
        }
        let n = le.min(self.pending.len());
        let chunk: Vec<u8> = self.pending.drain(..n).collect();
        let rest = self.pending.len();
        let sw = if rest == 0 { SW_OK } else { 0x6100 | rest.min(0xff) as u16 };
        // 61 00 means "256 or more"
        let sw = if rest >= 256 { 0x6100 } else { sw };
        response(&chunk, sw)
    }

    fn pass(&mut self, apdu: &Apdu) -> (Vec<u8>, u16) {
        self.card.transmit(&apdu.to_bytes_max_le())
    }

    fn handle(&mut self, apdu: &Apdu) -> (Vec<u8>, u16) {
        if apdu.cla != 0x00 {
            return self.pass(apdu);
        }
        match apdu.ins {
            INS_SELECT if apdu.p1 == 0x04 => {
                let aid = &apdu.data;
                if aid.len() >= 5 && aid.len() < PIV_AID.len() && PIV_AID.starts_with(aid) {
                    let widened = Apdu { data: PIV_AID.to_vec(), ..apdu.clone() };
                    self.pass(&widened)
                } else {
                    self.pass(apdu)
                }
            }
            INS_GET_VERSION => (self.identity.version.to_vec(), SW_OK),
            INS_GET_SERIAL => (self.identity.serial.to_be_bytes().to_vec(), SW_OK),
            INS_ATTEST => self.attest(apdu.p1),
            INS_GET_METADATA => self.metadata(apdu.p2),
            INS_GET_DATA
                if apdu.p1 == 0x3f
                    && apdu.p2 == 0xff
                    && tlv::find(&apdu.data, 0x5c) == Some(&OBJ_ATTESTATION[..]) =>
            {
                let mut object = tlv::encode(0x70, &self.attestation.der);
                object.extend(tlv::encode(0x71, &[0x00]));
                object.extend(tlv::encode(0xfe, &[]));
                (tlv::encode(0x53, &object), SW_OK)
            }
            INS_GENERATE => {
                let (data, sw) = self.pass(apdu);
                if sw == SW_OK {
                    self.observe_generate(apdu, &data);
                }
                (data, sw)
            }
            INS_IMPORT_KEY => {
                let (data, sw) = self.pass(apdu);
                if sw == SW_OK {
                    self.observe_import(apdu);
                }
                (data, sw)
            }
            INS_VERIFY | INS_CHANGE_REFERENCE | INS_RESET_RETRY => {
                let (data, sw) = self.pass(apdu);
                self.observe_pin(apdu, sw);
                (data, sw)
            }
            INS_SET_MGMKEY => {
                let (data, sw) = self.pass(apdu);
                if sw == SW_OK {
                    self.tracked.mgm_default = false;
                    if let Some(&alg) = apdu.data.first() {
                        self.tracked.mgm_algorithm = alg;
                    }
                }
                (data, sw)
            }
            INS_RESET => {
                let (data, sw) = self.pass(apdu);
                if sw == SW_OK {
                    self.tracked = Tracked::default();
                }
                (data, sw)
            }
            _ => self.pass(apdu),
        }
    }

    fn observe_generate(&mut self, apdu: &Apdu, data: &[u8]) {
        let slot = apdu.p2;
        let Some(template) = tlv::find(&apdu.data, 0xac) else { return };
        let algorithm = tlv::find(template, 0x80).and_then(|v| v.first().copied()).unwrap_or(0);
        let policy = |tag| tlv::find(template, tag).and_then(|v| v.first().copied()).unwrap_or(0);
        let pin_policy = match policy(0xaa) {
            0 => default_pin_policy(slot),
            p => p,
        };
        let touch_policy = match policy(0xab) {
            0 => 1,
            t => t,
        };
        let public_key = tlv::find(data, 0x7f49).and_then(|inner| {
            if let Some(point) = tlv::find(inner, 0x86) {
                Some(SlotPublicKey::Ec(point.to_vec()))
            } else {
                Some(SlotPublicKey::Rsa {
                    modulus: tlv::find(inner, 0x81)?.to_vec(),
                    exponent: tlv::find(inner, 0x82)?.to_vec(),
                })
            }
        });
        if public_key.is_none() {
            log::warn!("could not read the public key from GENERATE response for slot {slot:02x}");
        }
        log::info!("slot {slot:02x}: generated key, algorithm {algorithm:02x}");
        self.tracked.slots.insert(
            slot,
            SlotInfo { algorithm, public_key, pin_policy, touch_policy, generated: true },
        );
    }

    fn observe_import(&mut self, apdu: &Apdu) {
        let (algorithm, slot) = (apdu.p1, apdu.p2);
        let policy = |tag| tlv::find(&apdu.data, tag).and_then(|v| v.first().copied()).unwrap_or(0);
        let pin_policy = match policy(0xaa) {
            0 => default_pin_policy(slot),
            p => p,
        };
        let touch_policy = match policy(0xab) {
            0 => 1,
            t => t,
        };
        // For P-256 the public key follows from the private scalar (tag 06).
        let public_key = (algorithm == 0x11)
            .then(|| tlv::find(&apdu.data, 0x06))
            .flatten()
            .and_then(|d| p256::SecretKey::from_slice(d).ok())
            .map(|sk| SlotPublicKey::Ec(sk.public_key().to_sec1_bytes().to_vec()));
        log::info!("slot {slot:02x}: imported key, algorithm {algorithm:02x}");
        self.tracked.slots.insert(
            slot,
            SlotInfo { algorithm, public_key, pin_policy, touch_policy, generated: false },
        );
    }

    fn observe_pin(&mut self, apdu: &Apdu, sw: u16) {
        let t = &mut self.tracked;
        match (apdu.ins, apdu.p2) {
            (INS_VERIFY, 0x80) if apdu.p1 == 0x00 => {
                if sw == SW_OK && !apdu.data.is_empty() {
                    t.pin_remaining = PIN_TRIES;
                } else if let Some(n) = remaining_from_sw(sw) {
                    t.pin_remaining = n;
                }
            }
            (INS_CHANGE_REFERENCE, 0x80) => {
                if sw == SW_OK {
                    t.pin_remaining = PIN_TRIES;
                    t.pin_default = false;
                } else if let Some(n) = remaining_from_sw(sw) {
                    t.pin_remaining = n;
                }
            }
            (INS_CHANGE_REFERENCE, 0x81) => {
                if sw == SW_OK {
                    t.puk_remaining = PUK_TRIES;
                    t.puk_default = false;
                } else if let Some(n) = remaining_from_sw(sw) {
                    t.puk_remaining = n;
                }
            }
            (INS_RESET_RETRY, 0x80) => {
                if sw == SW_OK {
                    t.puk_remaining = PUK_TRIES;
                    t.pin_remaining = PIN_TRIES;
                    t.pin_default = false;
                } else if let Some(n) = remaining_from_sw(sw) {
                    t.puk_remaining = n;
                }
            }
            _ => {}
        }
    }

    fn attest(&mut self, slot: u8) -> (Vec<u8>, u16) {
        let Some(info) = self.tracked.slots.get(&slot) else {
            return (Vec::new(), SW_REF_NOT_FOUND);
        };
        if !info.generated {
            return (Vec::new(), SW_WRONG_DATA);
        }
        let Some(key) = &info.public_key else {
            return (Vec::new(), SW_REF_NOT_FOUND);
        };
        let facts = AttestedFacts {
            slot,
            firmware: self.identity.version,
            serial: self.identity.serial,
            pin_policy: info.pin_policy,
            touch_policy: info.touch_policy,
            form_factor: self.identity.form_factor,
        };
        match self.attestation.attest(key, facts) {
            Ok(der) => {
                log::info!("slot {slot:02x}: attestation issued ({} bytes)", der.len());
                (der, SW_OK)
            }
            Err(err) => {
                log::error!("slot {slot:02x}: attestation failed: {err}");
                (Vec::new(), 0x6f00)
            }
        }
    }

    fn metadata(&mut self, slot: u8) -> (Vec<u8>, u16) {
        let t = &self.tracked;
        let mut out = Vec::new();
        match slot {
            0x80 | 0x81 => {
                let (default, total, remaining) = if slot == 0x80 {
                    (t.pin_default, PIN_TRIES, t.pin_remaining)
                } else {
                    (t.puk_default, PUK_TRIES, t.puk_remaining)
                };
                out.extend(tlv::encode(0x01, &[0xff]));
                out.extend(tlv::encode(0x05, &[u8::from(default)]));
                out.extend(tlv::encode(0x06, &[total, remaining]));
            }
            0x9b => {
                out.extend(tlv::encode(0x01, &[t.mgm_algorithm]));
                out.extend(tlv::encode(0x02, &[0x00, 0x01]));
                out.extend(tlv::encode(0x05, &[u8::from(t.mgm_default)]));
            }
            0x9a | 0x9c | 0x9d | 0x9e | 0x82..=0x95 | 0xf9 => {
                if slot == 0xf9 {
                    out.extend(tlv::encode(0x01, &[0x11]));
                    out.extend(tlv::encode(0x02, &[0x01, 0x01]));
                    out.extend(tlv::encode(0x03, &[0x02]));
                    return (out, SW_OK);
                }
                let Some(info) = t.slots.get(&slot) else {
                    return (Vec::new(), SW_REF_NOT_FOUND);
                };
                out.extend(tlv::encode(0x01, &[info.algorithm]));
                out.extend(tlv::encode(0x02, &[info.pin_policy, info.touch_policy]));
                out.extend(tlv::encode(0x03, &[if info.generated { 0x01 } else { 0x02 }]));
                if let Some(key) = &info.public_key {
                    out.extend(tlv::encode(0x04, &key.piv_tlvs()));
                }
            }
            _ => return (Vec::new(), SW_WRONG_P1P2),
        }
        (out, SW_OK)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::AttestationRoot;

    /// Stand-in for the PIV app: records commands, answers canned responses.
    #[derive(Default)]
    struct Fake {
        seen: Vec<Vec<u8>>,
        answer: Vec<u8>,
    }
    impl PivCard for Fake {
        fn transmit(&mut self, apdu: &[u8]) -> (Vec<u8>, u16) {
            self.seen.push(apdu.to_vec());
            (self.answer.clone(), SW_OK)
        }
        fn deselect(&mut self) {}
    }

    fn adapter(answer: Vec<u8>) -> Adapter<Fake> {
        let dev = AttestationRoot::load_or_create(None).unwrap().issue_device(42).unwrap();
        let id = Identity { serial: 42, version: [5, 4, 3], form_factor: 1 };
        Adapter::new(Fake { seen: vec![], answer }, id, dev)
    }

    #[test]
    fn parses_all_cases() {
        assert_eq!(Apdu::parse(&[0, 0xfd, 0, 0]).unwrap().le, None);
        assert_eq!(Apdu::parse(&[0, 0xfd, 0, 0, 0]).unwrap().le, Some(256));
        let a = Apdu::parse(&[0, 0xa4, 4, 0, 5, 0xa0, 0, 0, 3, 8]).unwrap();
        assert_eq!((a.data.len(), a.le), (5, None));
        let a = Apdu::parse(&[0, 0xa4, 4, 0, 1, 0xa0, 0x10]).unwrap();
        assert_eq!((a.data.len(), a.le), (1, Some(16)));
        let a = Apdu::parse(&[0, 0xcb, 0x3f, 0xff, 0, 0, 2, 1, 2, 0, 0]).unwrap();
        assert_eq!((a.data, a.le), (vec![1, 2], Some(65536)));
        assert!(Apdu::parse(&[0, 0xa4, 4, 0, 5, 0xa0]).is_none());
    }

    #[test]
    fn widens_short_piv_aid_and_answers_identity() {
        let mut a = adapter(vec![]);
        assert_eq!(a.execute(&[0, 0xa4, 4, 0, 5, 0xa0, 0, 0, 3, 8]), vec![0x90, 0]);
        let mut expected = vec![0, 0xa4, 4, 0, 11];
        expected.extend_from_slice(&PIV_AID);
        expected.push(0);
        assert_eq!(a.card.seen[0], expected);
        assert_eq!(a.execute(&[0, 0xfd, 0, 0]), vec![5, 4, 3, 0x90, 0]);
        assert_eq!(a.execute(&[0, 0xf8, 0, 0, 0]), vec![0, 0, 0, 42, 0x90, 0]);
    }

    #[test]
    fn chains_commands_and_splits_long_responses() {
        let mut a = adapter(vec![7u8; 600]);
        assert_eq!(a.execute(&[0x10, 0xdb, 0x3f, 0xff, 2, 1, 2]), vec![0x90, 0]);
        let r = a.execute(&[0x00, 0xdb, 0x3f, 0xff, 1, 3]);
        assert_eq!(a.card.seen[0], vec![0, 0xdb, 0x3f, 0xff, 3, 1, 2, 3, 0]);
        assert_eq!(r.len(), 258);
        assert_eq!(&r[256..], &[0x61, 0x00]);
        let r = a.execute(&[0, 0xc0, 0, 0, 0]);
        assert_eq!(&r[256..], &[0x61, 88]);
        let r = a.execute(&[0, 0xc0, 0, 0, 88]);
        assert_eq!((r.len(), &r[88..]), (90, &[0x90, 0][..]));
    }

    #[test]
    fn attests_generated_key_and_reports_metadata() {
        let sk = p256::SecretKey::random(&mut rand_core::OsRng);
        let point = sk.public_key().to_sec1_bytes().to_vec();
        let answer = tlv::encode(0x7f49, &tlv::encode(0x86, &point));
        let mut a = adapter(answer);
        assert_eq!(a.execute(&[0, 0xf9, 0x9c, 0, 0]), vec![0x6a, 0x88]);
        let r = a.execute(&[0, 0x47, 0, 0x9c, 5, 0xac, 3, 0x80, 1, 0x11, 0]);
        assert_eq!(&r[r.len() - 2..], &[0x90, 0]);
        let mut cert = Vec::new();
        let mut r = a.execute(&[0, 0xf9, 0x9c, 0, 0]);
        loop {
            let sw = [r[r.len() - 2], r[r.len() - 1]];
            cert.extend_from_slice(&r[..r.len() - 2]);
            if sw == [0x90, 0] {
                break;
            }
            assert_eq!(sw[0], 0x61);
            r = a.execute(&[0, 0xc0, 0, 0, sw[1]]);
        }
        let cert = crate::attest::parse_der(&cert).unwrap();
        assert_eq!(
            cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes(),
            &point[..]
        );
        let md = a.execute(&[0, 0xf7, 0, 0x9c, 0]);
        assert_eq!(&md[..9], &[0x01, 0x01, 0x11, 0x02, 0x02, 0x03, 0x01, 0x03, 0x01]);
        let md = a.execute(&[0, 0xf7, 0, 0x80]);
        assert_eq!(md, vec![1, 1, 0xff, 5, 1, 1, 6, 2, 3, 3, 0x90, 0]);
    }
}
