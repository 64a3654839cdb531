//! virtual-piv: a virtual YubiKey-like PIV card for Kustodi's tests.
//!
//! piv-authenticator (PIV on trussed, RAM storage: factory-fresh on every start) behind an APDU
//! adapter (see `adapter.rs`), connected to vsmartcard's vpcd reader inside pcscd.

mod adapter;
mod attest;
mod platform;
mod tlv;

use std::{
    io::{Read as _, Write as _},
    net::TcpStream,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use adapter::{Adapter, Identity, PivCard};
use piv_authenticator::{Authenticator, Options};
use platform::SharedClient;
use rand_core::{OsRng, RngCore as _};

const USAGE: &str = "\
usage: virtual-piv [options]

A virtual PIV card (YubiKey-like) for vsmartcard's vpcd reader in pcscd.
Card defaults: PIN 123456, PUK 12345678,
management key (3DES) 010203040506070801020304050607080102030405060708.

options:
  --serial N               serial answered to GET SERIAL (default 5437251)
  --version X.Y.Z          firmware version answered to GET VERSION (default 5.4.3)
  --port P                 vpcd port on the host (default 35963 = first vpcd reader)
  --host H                 vpcd host (default 127.0.0.1)
  --form-factor N          form factor byte in attestations (default 1, USB-A keychain)
  --attestation-ca DIR     load the test attestation root CA from DIR, creating it if absent
                           (default: a throw-away root made at start-up)
  --attestation-out DIR    write attestation-root.pem and attestation-f9-<serial>.pem to DIR
  --seed HEX               64 hex digits seeding the card's RNG (default: random per start)
  --connect-timeout SECS   keep retrying the vpcd connection this long (default 10)
  -h, --help               this text

Log level: RUST_LOG (default virtual_piv=info). Exit codes: 0 vpcd closed after a normal
session, 2 bad arguments, 3 could not connect, 4 attestation set-up failed, 5 connection lost.";

#[derive(Debug)]
struct Args {
    serial: u32,
    version: [u8; 3],
    host: String,
    port: u16,
    form_factor: u8,
    attestation_ca: Option<PathBuf>,
    attestation_out: Option<PathBuf>,
    seed: Option<[u8; 32]>,
    connect_timeout: Duration,
}

fn parse_version(s: &str) -> Result<[u8; 3], String> {
    let parts: Vec<&str> = s.split('.').collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(format!("--version wants X.Y.Z, got {s:?}"));
    };
    let p = |x: &str| x.parse::<u8>().map_err(|_| format!("--version part {x:?} is not 0..255"));
    Ok([p(a)?, p(b)?, p(c)?])
}

fn parse_seed(s: &str) -> Result<[u8; 32], String> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("--seed wants 64 hex digits".into());
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(seed)
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        serial: 5_437_251,
        version: [5, 4, 3],
        host: "127.0.0.1".into(),
        port: 35963,
        form_factor: 1,
        attestation_ca: None,
        attestation_out: None,
        seed: None,
        connect_timeout: Duration::from_secs(10),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--serial" => {
                let v = value()?;
                args.serial = v.parse().map_err(|_| format!("--serial {v:?} is not a u32"))?;
            }
            "--version" => args.version = parse_version(&value()?)?,
            "--host" => args.host = value()?,
            "--port" => {
                let v = value()?;
                args.port = v.parse().map_err(|_| format!("--port {v:?} is not a port"))?;
            }
            "--form-factor" => {
                let v = value()?;
                args.form_factor = v.parse().map_err(|_| format!("--form-factor {v:?}"))?;
            }
            "--attestation-ca" => args.attestation_ca = Some(value()?.into()),
            "--attestation-out" => args.attestation_out = Some(value()?.into()),
            "--seed" => args.seed = Some(parse_seed(&value()?)?),
            "--connect-timeout" => {
                let v = value()?;
                let secs: u64 = v.parse().map_err(|_| format!("--connect-timeout {v:?}"))?;
                args.connect_timeout = Duration::from_secs(secs);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Some(args))
}

/// The PIV application behind the adapter.
struct PivApp<'a> {
    client: SharedClient<'a>,
    app: Authenticator<SharedClient<'a>>,
    reply: Box<heapless::Vec<u8, 16384>>,
}

impl<'a> PivApp<'a> {
    fn new(client: SharedClient<'a>) -> Self {
        PivApp {
            app: Authenticator::new(client.clone(), Options::default()),
            client,
            reply: Box::new(heapless::Vec::new()),
        }
    }
}

impl PivCard for PivApp<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> (Vec<u8>, u16) {
        let Ok(command) = iso7816::command::CommandView::try_from(apdu) else {
            return (Vec::new(), 0x6700);
        };
        self.reply.clear();
        match self.app.respond(command, self.reply.as_mut_view()) {
            Ok(()) => (self.reply.to_vec(), 0x9000),
            Err(status) => (Vec::new(), u16::from_be_bytes(status.into())),
        }
    }

    /// Card reset: a fresh application object over the same storage, so PIN and management
    /// key authentication are forgotten as on a real card (keys, PINs and objects stay).
    fn deselect(&mut self) {
        self.app = Authenticator::new(self.client.clone(), Options::default());
    }
}

/// What vpcd talks to.
struct VirtualCard<'a> {
    adapter: Adapter<PivApp<'a>>,
}

/// Serves vpcd's protocol (vsmartcard "virtual ICC" API): each message is a 2-byte big-endian
/// length and a body; a 1-byte body is a control command (0 power off, 1 power on, 2 reset,
/// 4 get ATR), anything longer is a command APDU answered with a response APDU.
///
/// Own loop instead of the `vpicc` crate to control the socket: vpcd writes the length and the
/// body in two send() calls, so with Nagle on its side and delayed ACKs on ours every APDU
/// would wait ~40 ms for our ACK. Re-arming TCP_QUICKACK before each read avoids that.
fn serve(stream: TcpStream, card: &mut VirtualCard<'_>) -> std::io::Result<()> {
    let sock = socket2::SockRef::from(&stream);
    let _ = sock.set_nodelay(true);
    let mut reader = &stream;
    let mut writer = &stream;
    loop {
        let _ = sock.set_quickack(true);
        let mut len = [0u8; 2];
        reader.read_exact(&mut len)?;
        let _ = sock.set_quickack(true);
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        reader.read_exact(&mut msg)?;
        let reply: Option<Vec<u8>> = match msg.as_slice() {
            [] => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "empty message")),
            [0] => {
                log::debug!("power off");
                card.adapter.reset();
                None
            }
            [1] => {
                log::debug!("power on");
                None
            }
            [2] => {
                log::debug!("reset");
                card.adapter.reset();
                None
            }
            [4] => Some(adapter::YUBIKEY_ATR.to_vec()),
            [other] => {
                log::warn!("unknown vpcd control command {other}");
                None
            }
            apdu => {
                log::trace!("> {}", adapter::hex(apdu));
                let r = card.adapter.execute(apdu);
                log::trace!("< {}", adapter::hex(&r));
                Some(r)
            }
        };
        if let Some(body) = reply {
            let mut out = Vec::with_capacity(body.len() + 2);
            out.extend_from_slice(&(body.len() as u16).to_be_bytes());
            out.extend_from_slice(&body);
            writer.write_all(&out)?;
        }
    }
}

fn connect(args: &Args) -> Result<TcpStream, String> {
    let addr = format!("{}:{}", args.host, args.port);
    let deadline = Instant::now() + args.connect_timeout;
    loop {
        match TcpStream::connect(addr.as_str()) {
            Ok(stream) => return Ok(stream),
            Err(err) if Instant::now() < deadline => {
                log::debug!("vpcd at {addr} not reachable yet: {err}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(err) => {
                return Err(format!(
                    "cannot connect to vpcd at {addr} within {:?}: {err} \
                     (is pcscd running with the vpcd reader? tests/support/pcscd.sh start)",
                    args.connect_timeout
                ))
            }
        }
    }
}

fn main() -> ExitCode {
    let started = Instant::now();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("virtual_piv=info"))
        .format_timestamp_millis()
        .init();
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("virtual-piv: {err}");
            return ExitCode::from(2);
        }
    };

    let root = match attest::AttestationRoot::load_or_create(args.attestation_ca.as_deref()) {
        Ok(root) => root,
        Err(err) => {
            eprintln!("virtual-piv: attestation root: {err}");
            return ExitCode::from(4);
        }
    };
    let device = match root.issue_device(args.serial) {
        Ok(device) => device,
        Err(err) => {
            eprintln!("virtual-piv: attestation device certificate: {err}");
            return ExitCode::from(4);
        }
    };
    if let Some(dir) = &args.attestation_out {
        let write = || -> Result<(), String> {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            attest::write_atomic(&dir.join("attestation-root.pem"), root.pem()?.as_bytes(), false)?;
            let f9 = dir.join(format!("attestation-f9-{}.pem", args.serial));
            attest::write_atomic(&f9, device.pem()?.as_bytes(), false)
        };
        if let Err(err) = write() {
            eprintln!("virtual-piv: writing attestation certificates: {err}");
            return ExitCode::from(4);
        }
    }

    let conn = match connect(&args) {
        Ok(conn) => conn,
        Err(err) => {
            eprintln!("virtual-piv: {err}");
            return ExitCode::from(3);
        }
    };
    let seed = args.seed.unwrap_or_else(|| {
        let mut s = [0u8; 32];
        OsRng.fill_bytes(&mut s);
        s
    });
    let identity = Identity { serial: args.serial, version: args.version, form_factor: args.form_factor };

    platform::with_card_client(seed, move |client| {
        let app = PivApp::new(SharedClient::new(client));
        let mut card = VirtualCard { adapter: Adapter::new(app, identity, device) };
        let [a, b, c] = args.version;
        // The start scripts wait for this line.
        eprintln!(
            "virtual-piv ready: serial={} version={a}.{b}.{c} vpcd={}:{} pid={} startup_ms={}",
            args.serial,
            args.host,
            args.port,
            std::process::id(),
            started.elapsed().as_millis()
        );
        let _ = std::io::stderr().flush();
        match serve(conn, &mut card) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
                log::info!("vpcd closed the connection; exiting");
                ExitCode::from(5)
            }
            Err(err) => {
                log::error!("vpcd connection lost: {err}");
                ExitCode::from(5)
            }
        }
    })
}
