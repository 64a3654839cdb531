//! Smoke check of a running virtual-piv card through the `yubikey` crate (the version the
//! station uses): open by serial, read serial/version, authenticate with the default management
//! key, generate P-256 in 9c, read metadata, attest, verify the PIN and sign.
//!
//! usage: virtual-piv-smoke [SERIAL]   (exit 0 when every step worked)

use std::{process::ExitCode, time::Instant};

use der::{Decode as _, Encode as _};
use yubikey::{
    piv::{self, AlgorithmId, SlotId},
    MgmKey, PinPolicy, Serial, TouchPolicy, YubiKey,
};

fn run() -> Result<(), String> {
    let serial: Option<u32> = match std::env::args().nth(1) {
        Some(s) => Some(s.parse().map_err(|_| format!("serial {s:?} is not a number"))?),
        None => None,
    };
    let t = Instant::now();
    let mut yk = match serial {
        Some(s) => YubiKey::open_by_serial(Serial(s)),
        None => YubiKey::open(),
    }
    .map_err(|e| format!("open: {e}"))?;
    println!(
        "opened reader {:?}: serial {} version {} ({} ms)",
        yk.name(),
        yk.serial(),
        yk.version(),
        t.elapsed().as_millis()
    );
    if let Some(s) = serial {
        if yk.serial() != Serial(s) {
            return Err(format!("wanted serial {s}, got {}", yk.serial()));
        }
    }

    let retries = yk.get_pin_retries().map_err(|e| format!("PIN retries: {e}"))?;
    println!("PIN retries: {retries}");

    let mgm = MgmKey::get_default(&yk).map_err(|e| format!("default mgm key: {e}"))?;
    yk.authenticate(&mgm).map_err(|e| format!("authenticate (default mgm key): {e}"))?;
    println!("authenticated with the default management key");

    let t = Instant::now();
    let spki = piv::generate(
        &mut yk,
        SlotId::Signature,
        AlgorithmId::EccP256,
        PinPolicy::Default,
        TouchPolicy::Default,
    )
    .map_err(|e| format!("generate P-256 in 9c: {e}"))?;
    println!("generated P-256 in 9c ({} ms)", t.elapsed().as_millis());

    match piv::metadata(&mut yk, SlotId::Signature) {
        Ok(md) => println!(
            "metadata 9c: algorithm {:?}, policy {:?}, origin {:?}, public key matches: {}",
            md.algorithm,
            md.policy,
            md.origin,
            md.public.as_ref() == Some(&spki)
        ),
        Err(e) => return Err(format!("metadata 9c: {e}")),
    }

    let att = piv::attest(&mut yk, SlotId::Signature).map_err(|e| format!("attest 9c: {e}"))?;
    let cert = x509_cert::Certificate::from_der(&att).map_err(|e| format!("attestation DER: {e}"))?;
    let tbs = cert.tbs_certificate();
    println!("attestation: subject {} / issuer {}", tbs.subject(), tbs.issuer());
    if tbs.subject_public_key_info().to_der().ok() != spki.to_der().ok() {
        return Err("attestation certificate is not for the generated key".into());
    }

    yk.verify_pin(b"123456").map_err(|e| format!("verify PIN: {e}"))?;
    let digest = [0x5au8; 32];
    let sig = piv::sign_data(&mut yk, &digest, AlgorithmId::EccP256, SlotId::Signature)
        .map_err(|e| format!("sign with 9c: {e}"))?;
    println!("signed a 32-byte digest with 9c: {} byte DER signature", sig.len());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("virtual-piv smoke: OK");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("virtual-piv smoke: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
