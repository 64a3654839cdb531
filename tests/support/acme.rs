//! Real ACME servers on 127.0.0.1 for the ACME connector tests: Debian's `pebble` and PyPI's
//! `acme2certifier` (openssl CA handler, wsgiref server wrapped in TLS).
//!
//! Each server gets free loopback ports, its own TLS certificate from a throw-away TLS CA
//! (made with `openssl`), bounded readiness waits, and is killed on drop. A server is skipped
//! (the `start` function returns `None` and says why) **only** when its package cannot be
//! installed: `apt-get install pebble` for pebble, `pip install acme2certifier==0.46.3` into a
//! cached venv for acme2certifier. Any other failure (bad config, server exits, not ready in
//! time) panics, with the server's log.
#![allow(dead_code)]

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const A2C_VERSION: &str = "0.46.3";

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").args(args).current_dir(dir));
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A throw-away TLS CA (`tls-ca.pem`) and a server certificate for 127.0.0.1 / localhost
/// (`tls.pem`, `tls.key`) in `dir`.
pub fn tls_pki(dir: &Path) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tls-ca.key",
            "-out",
            "tls-ca.pem",
            "-subj",
            "/CN=Kustodi test TLS CA",
            "-days",
            "2",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "tls.key",
            "-out",
            "tls.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("tls.ext"),
        "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "tls.csr",
            "-CA",
            "tls-ca.pem",
            "-CAkey",
            "tls-ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "tls.ext",
            "-out",
            "tls.pem",
        ],
    );
    dir.join("tls-ca.pem")
}

/// Waits (bounded) until `port` accepts connections; panics with the log if the child exits
/// or time runs out.
fn wait_ready(child: &mut Child, port: u16, log: &Path, what: &str, limit: Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{what} exited ({status}) before it was ready; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!(
                "{what} not ready on 127.0.0.1:{port} within {limit:?}; log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn log_file(dir: &Path, name: &str) -> (PathBuf, std::fs::File, std::fs::File) {
    let path = dir.join(name);
    let f = std::fs::File::create(&path).unwrap();
    let g = f.try_clone().unwrap();
    (path, f, g)
}

/// A running ACME server.
#[derive(Debug)]
pub struct AcmeServer {
    child: Child,
    pub dir: PathBuf,
    /// `https://127.0.0.1:PORT/…directory`.
    pub directory_url: String,
    /// Root of the server's TLS certificate (for the ACME client).
    pub tls_root: PathBuf,
    /// The root the issued certificates chain to (PEM file).
    pub issuer_root: PathBuf,
    pub log: PathBuf,
}

impl Drop for AcmeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl AcmeServer {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `pebble`, installed with apt if missing (we may be root); `None` if it cannot be.
fn pebble_binary() -> Option<()> {
    if have("pebble") {
        return Some(());
    }
    eprintln!("pebble is not installed; trying `apt-get install pebble`");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends", "pebble"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    have("pebble").then_some(())
}

/// Starts pebble on free loopback ports (challenges always valid, no sleeps, no nonce
/// rejection) and fetches its issuing root from the management endpoint `/roots/0`.
pub fn start_pebble(dir: &Path) -> Option<AcmeServer> {
    if pebble_binary().is_none() {
        eprintln!("SKIP: the Debian package `pebble` cannot be installed here");
        return None;
    }
    let tls_root = tls_pki(dir);
    let (port, mgmt) = (free_port(), free_port());
    let config = serde_json::json!({
        "pebble": {
            "listenAddress": format!("127.0.0.1:{port}"),
            "managementListenAddress": format!("127.0.0.1:{mgmt}"),
            "certificate": dir.join("tls.pem"),
            "privateKey": dir.join("tls.key"),
            "httpPort": free_port(),
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }
    });
    let config_path = dir.join("pebble-config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let (log, out, err) = log_file(dir, "pebble.log");
    let mut child = Command::new("pebble")
        .arg("-config")
        .arg(&config_path)
        .env("PEBBLE_VA_ALWAYS_VALID", "1")
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn pebble");
    wait_ready(&mut child, port, &log, "pebble", Duration::from_secs(20));
    wait_ready(
        &mut child,
        mgmt,
        &log,
        "pebble management",
        Duration::from_secs(20),
    );
    let issuer_root = dir.join("pebble-root.pem");
    run(Command::new("curl")
        .args(["-sSf", "--max-time", "10", "--cacert"])
        .arg(&tls_root)
        .arg("-o")
        .arg(&issuer_root)
        .arg(format!("https://127.0.0.1:{mgmt}/roots/0")));
    Some(AcmeServer {
        child,
        dir: dir.to_owned(),
        directory_url: format!("https://127.0.0.1:{port}/dir"),
        tls_root,
        issuer_root,
        log,
    })
}

/// The cached venv with acme2certifier (`$KUSTODI_A2C_VENV`, else
/// `$TMPDIR/kustodi-acme2certifier-0.46.3`); installed with pip on first use. `None` if pip
/// cannot install it.
fn a2c_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("KUSTODI_A2C_VENV").map_or_else(
        || std::env::temp_dir().join(format!("kustodi-acme2certifier-{A2C_VERSION}")),
        PathBuf::from,
    );
    let python = venv.join("bin/python3");
    let installed = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import acme2certifier.acme_srv.version as v; print(v.__version__)",
            ])
            .output()
            .is_ok_and(|o| {
                o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == A2C_VERSION
            })
    };
    if python.exists() && installed(&python) {
        return Some(venv);
    }
    eprintln!(
        "installing acme2certifier {A2C_VERSION} into {}",
        venv.display()
    );
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "-q",
                "--disable-pip-version-check",
                "--timeout",
                "60",
            ])
            .arg(format!("acme2certifier=={A2C_VERSION}"))
            .status()
            .is_ok_and(|s| s.success());
    (ok && installed(&python)).then_some(venv)
}

const A2C_LAUNCHER: &str = r#"
import importlib.util, os, ssl, sys
import acme2certifier
from wsgiref.simple_server import make_server
script = os.path.join(os.path.dirname(acme2certifier.__file__), "share", "acme2certifier_wsgi.py")
spec = importlib.util.spec_from_file_location("a2c_wsgi", script)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
def app(environ, start_response):
    environ["wsgi.url_scheme"] = "https"
    return mod.application(environ, start_response)
port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
srv = make_server("127.0.0.1", port, app, handler_class=mod.get_handler_cls())
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["http/1.1"])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("acme2certifier ready on", port, flush=True)
srv.serve_forever()
"#;

/// Starts acme2certifier with its openssl CA handler (a P-256 CA made here, which keeps the
/// CSR's subject and extensions) behind TLS on a free loopback port; challenge validation is
/// off (`ACME2CERTIFIER_I_KNOW_THE_RISK=1`).
pub fn start_acme2certifier(dir: &Path) -> Option<AcmeServer> {
    let Some(venv) = a2c_venv() else {
        eprintln!("SKIP: acme2certifier {A2C_VERSION} cannot be installed with pip here");
        return None;
    };
    let tls_root = tls_pki(dir);
    // The issuing CA, its (empty) CRL and the certificate store.
    let ca = dir.join("a2c-ca");
    std::fs::create_dir_all(ca.join("certs")).unwrap();
    openssl(
        &ca,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/C=ID/O=Pemerintah Kabupaten Bekasi/CN=Kustodi ACME Test CA",
            "-days",
            "2",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    std::fs::write(ca.join("index.txt"), "").unwrap();
    std::fs::write(ca.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        ca.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 2\n",
    )
    .unwrap();
    openssl(
        &ca,
        &[
            "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out",
            "crl.pem",
        ],
    );
    let p = |name: &str| ca.join(name).display().to_string();
    let cfg = format!(
        "[DEFAULT]\ndebug: True\n\n[Nonce]\nnonce_check_disable: False\n\n\
         [CAhandler]\nhandler_module: acme2certifier.cahandlers.openssl_ca_handler\n\
         issuing_ca_key: {key}\nissuing_ca_cert: {cert}\nissuing_ca_crl: {crl}\n\
         cert_save_path: {certs}\ncert_validity_days: 30\nca_cert_chain_list: []\n\n\
         [DBhandler]\nhandler_module: acme2certifier.dbhandlers.wsgi_handler\ndbfile: {db}\n\n\
         [Challenge]\nchallenge_validation_disable: True\n\n[Order]\ntnauthlist_support: False\n",
        key = p("ca.key"),
        cert = p("ca.pem"),
        crl = p("crl.pem"),
        certs = p("certs"),
        db = dir.join("acme_srv.db").display(),
    );
    let cfg_path = dir.join("acme_srv.cfg");
    std::fs::write(&cfg_path, cfg).unwrap();
    let launcher = dir.join("a2c_launch.py");
    std::fs::write(&launcher, A2C_LAUNCHER).unwrap();
    let port = free_port();
    let (log, out, err) = log_file(dir, "acme2certifier.log");
    let mut child = Command::new(venv.join("bin/python3"))
        .arg(&launcher)
        .arg(port.to_string())
        .arg(dir.join("tls.pem"))
        .arg(dir.join("tls.key"))
        .env("ACME_SRV_CONFIGFILE", &cfg_path)
        .env("ACME2CERTIFIER_I_KNOW_THE_RISK", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("spawn acme2certifier");
    wait_ready(
        &mut child,
        port,
        &log,
        "acme2certifier",
        Duration::from_secs(60),
    );
    Some(AcmeServer {
        child,
        dir: dir.to_owned(),
        directory_url: format!("https://127.0.0.1:{port}/directory"),
        tls_root,
        issuer_root: ca.join("ca.pem"),
        log,
    })
}

/// The body of a file, for messages.
pub fn read(path: &Path) -> String {
    let mut s = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .unwrap_or_default();
    s
}
