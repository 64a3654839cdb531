//! Command-line arguments (clap). Every command that prints data takes `--json`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kustodi: token provisioning and key-custody station of the registration authority (OP).
#[derive(Debug, Parser)]
#[command(name = "kustodi", version, about, long_about = None)]
pub struct Cli {
    /// Station home folder (default: $KUSTODI_HOME, else the per-user data folder).
    #[arg(long, global = true, env = "KUSTODI_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Language of messages: id (Bahasa Indonesia, default) or en.
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Officer (or auditor) performing the action, by id (NIP), for commands without token
    /// sign-in. An auditor's id makes every changing command refuse.
    #[arg(long, global = true, env = "KUSTODI_OFFICER", value_name = "ID")]
    pub officer: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Id,
    En,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sandbox station for training and tests (SoftHSM2 tokens, built-in CA, SQLite).
    #[command(subcommand)]
    Sandbox(SandboxCmd),
    /// Applications for a certificate (Pasal 11-12).
    #[command(subcommand)]
    Application(ApplicationCmd),
    /// The custody ledger (Pasal 27): verify, export checkpoints, list events.
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// Certificate profiles: what a certificate of an application will contain.
    #[command(subcommand, name = "cert-profile")]
    CertProfile(CertProfileCmd),
    /// Token-model profiles (firmware-profiles/): recognition, algorithms, advisories.
    #[command(subcommand)]
    Profiles(ProfilesCmd),
    /// The ASN roster (Pasal 8(3)): who must hold a certificate.
    #[command(subcommand)]
    Roster(RosterCmd),
    /// Incidents (Pasal 23, 25): record, list, close, formal report.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// Reports: yearly supervision and evaluation (Pasal 24), expiry watch list (Pasal 15).
    #[command(subcommand)]
    Report(ReportCmd),
    /// Hardware tokens and card readers.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// Issue a certificate to an approved application on a token, in person (Pasal 14).
    Enroll(EnrollArgs),
    /// Issuance sessions (journal): list, resume or abort an interrupted issuance.
    #[command(subcommand)]
    Session(SessionCmd),
    /// The station's certificate authority.
    #[command(subcommand)]
    Ca(CaCmd),
    /// Holders' certificates: export, import from an offline CA.
    #[command(subcommand)]
    Certificate(CertificateCmd),
    /// Signed receipts of issuance: export, verify.
    #[command(subcommand)]
    Receipt(ReceiptCmd),
    /// Renew a holder certificate (Pasal 15): new key on the same or a new token, new
    /// certificate, own receipt; the old one revoked or left to expire as policy says.
    Renew(RenewArgs),
    /// Revoke a holder certificate (Pasal 16) at the CA, then mark certificate and token.
    Revoke(RevokeArgs),
    /// Revocations on record: list, show, confirm (offline CA), link to a re-application.
    #[command(subcommand)]
    Revocation(RevocationCmd),
    /// Reset a holder's PIN under two-person control (two officers, escrowed SO PIN).
    Unblock(UnblockArgs),
    /// Custody audit of the tokens physically present (auditor).
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The subscriber agreement (Pasal 14(5)) accepted at issuance: its text and SHA-256.
    #[command(subcommand)]
    Agreement(AgreementCmd),
}

#[derive(Debug, Subcommand)]
pub enum AgreementCmd {
    /// Print the current agreement text (in the language of --lang) with its SHA-256, the
    /// value a script passes to `enroll`/`renew --agreement-accepted`.
    Show,
}

/// The in-person evidence (Pasal 14(4)-(5)) given by a script; on a terminal, what is not
/// given is asked (the agreement shown, the identity check confirmed).
#[derive(Debug, Args, Clone, Default)]
pub struct EvidenceArgs {
    /// You re-checked the applicant's identity in person against the application's documents.
    #[arg(long)]
    pub identity_checked: bool,
    /// SHA-256 of the agreement text the applicant read and accepted (`kustodi agreement show`).
    #[arg(long, value_name = "SHA256")]
    pub agreement_accepted: Option<String>,
}

/// PINs: from the terminal (applicant twice, then officer), or with `--pin-stdin` one per line.
#[derive(Debug, Args, Clone)]
pub struct PinArgs {
    /// Read PINs from standard input, one per line: the applicant's PIN, then the officer's.
    #[arg(long)]
    pub pin_stdin: bool,
    /// PKCS#11 URI of the officer's token (default: [officer] default_token).
    #[arg(long, value_name = "URI")]
    pub officer_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// The approved application (APP-000001).
    pub application_id: String,
    /// PKCS#11 URI of the applicant's (stock) token.
    #[arg(long, value_name = "URI")]
    pub token: String,
    /// Key algorithm: p256, p384, rsa2048, rsa3072.
    #[arg(long, default_value = "p256")]
    pub algorithm: String,
    #[command(flatten)]
    pub pins: PinArgs,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// Serial of the certificate to renew (hex, as `openssl x509 -serial` prints it).
    pub serial: String,
    /// PKCS#11 URI of the token: the holder's own token (new key beside the old) or a stock
    /// token (the holder sets a new PIN).
    #[arg(long, value_name = "URI")]
    pub token: String,
    #[arg(long, default_value = "p256")]
    pub algorithm: String,
    #[command(flatten)]
    pub pins: PinArgs,
    #[command(flatten)]
    pub evidence: EvidenceArgs,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Serial of the certificate (hex).
    pub serial: String,
    /// The case: lost, damaged, inaccessible, compromised, holder_request,
    /// affiliation_changed, op_evaluation.
    #[arg(long, value_name = "CAUSE")]
    pub reason: String,
    /// Lost/damaged/inaccessible: number of the report to the authorities (police).
    #[arg(long, value_name = "REF")]
    pub police_report: Option<String>,
    /// Lost/damaged/inaccessible: the holder's signed statement (scan), archived encrypted.
    #[arg(long, value_name = "FILE")]
    pub statement: Option<PathBuf>,
    /// Lost/damaged/inaccessible: the superior who acknowledged the statement.
    #[arg(long, value_name = "NAME")]
    pub superior: Option<String>,
    /// The holder's re-application, if filed already.
    #[arg(long, value_name = "ID")]
    pub reapplication: Option<String>,
    /// Read the officer's PIN from standard input.
    #[arg(long)]
    pub pin_stdin: bool,
    #[arg(long, value_name = "URI")]
    pub officer_token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RevocationCmd {
    /// Revocations, oldest first.
    List {
        #[arg(long)]
        status: Option<String>,
    },
    Show {
        id: String,
    },
    /// The offline CA revoked it: mark certificate and token now.
    Confirm {
        id: String,
        /// The CA's ticket number.
        #[arg(long)]
        ticket: Option<String>,
    },
    /// Link to the holder's re-application (Pasal 16(2)b).
    Link {
        id: String,
        #[arg(long, value_name = "ID")]
        application: String,
    },
}

#[derive(Debug, Args)]
pub struct UnblockArgs {
    /// Serial of the holder's token.
    pub serial: String,
    /// A custodian's age identity file (decrypts the escrowed SO PIN for this operation).
    #[arg(long, value_name = "FILE")]
    pub identity: PathBuf,
    /// First officer's token (default: [officer] default_token).
    #[arg(long, value_name = "URI")]
    pub officer_token: Option<String>,
    /// Second officer's token: a different officer (two-person control).
    #[arg(long, value_name = "URI")]
    pub second_officer_token: Option<String>,
    /// Read PINs from standard input, one per line: first officer, second officer, then the
    /// holder's new PIN.
    #[arg(long)]
    pub pin_stdin: bool,
}

#[derive(Debug, Args, Clone)]
pub struct AuditorPin {
    /// The auditor's token (PKCS#11 URI).
    #[arg(long, value_name = "URI")]
    pub auditor_token: String,
    /// Read the auditor's PIN from standard input.
    #[arg(long)]
    pub pin_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Open an audit: the auditor signs in with their token.
    Start(AuditorPin),
    /// Record the tokens plugged in now (repeat for each batch).
    Scan {
        id: String,
        /// The auditor's id (NIP) (default: --officer / KUSTODI_OFFICER).
        #[arg(long, value_name = "ID")]
        auditor: Option<String>,
    },
    /// Reconcile with the inventory and close with a report signed by the auditor.
    Finish {
        id: String,
        #[command(flatten)]
        auditor: AuditorPin,
    },
    /// An audit and its findings.
    Show { id: String },
    /// Write the signed report (CMS, DER).
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an exported report: signature, certificate chain, ledger entry.
    Verify { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// List issuance sessions with their last journaled step.
    List {
        /// Only sessions in this status (running, parked, done, aborted).
        #[arg(long)]
        status: Option<String>,
    },
    /// Continue an interrupted session after its last finished step.
    Resume {
        id: String,
        #[command(flatten)]
        pins: PinArgs,
    },
    /// Roll an unfinished session back (key deleted from the token, inventory restored).
    Abort {
        id: String,
        /// Read the applicant's PIN from standard input (needed once a key exists).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Write the CSR a session made (PEM).
    Csr {
        id: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaCmd {
    /// Publish the embedded CA's CRL (DER at HOME/ca/crl.der and PEM beside it, or --out).
    Crl {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write the embedded CA's certificate (PEM).
    Cert {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertificateCmd {
    /// Write a holder's certificate (PEM) by serial number.
    Export {
        serial: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import the offline CA's certificate (PEM, DER or PKCS#7) and finish the parked session.
    Import {
        file: PathBuf,
        /// The parked session (default: the one whose key the certificate is for).
        #[arg(long)]
        session: Option<String>,
        #[command(flatten)]
        pins: PinArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReceiptCmd {
    /// Write a receipt: DER CMS (`.p7s`), or with --text the printable page.
    Export {
        id: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        text: bool,
    },
    /// Verify a receipt file: both signatures, chain to the station's CA, ledger entry.
    Verify { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum RosterCmd {
    /// Replace the roster with a CSV file (columns nip,name,department[,position]).
    Import { file: PathBuf },
    /// List the roster (one department with --department).
    List {
        #[arg(long)]
        department: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum IncidentCategoryArg {
    LostKey,
    DamagedKey,
    Authentication,
    Authenticity,
    NonRepudiation,
    Other,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Record an incident (status open); prints its id.
    Add {
        #[arg(long, value_enum)]
        category: IncidentCategoryArg,
        #[arg(long)]
        summary: String,
        /// Serial of the token concerned.
        #[arg(long)]
        token: Option<String>,
        /// Serial of the certificate concerned.
        #[arg(long)]
        certificate: Option<String>,
        /// Application concerned (APP-…).
        #[arg(long)]
        application: Option<String>,
        /// Who reported it (default: the officer).
        #[arg(long)]
        reported_by: Option<String>,
        /// When it happened: RFC 3339 or YYYY-MM-DD (WIB); default now.
        #[arg(long)]
        occurred_at: Option<String>,
    },
    /// List incidents (only open ones with --open).
    List {
        #[arg(long)]
        open: bool,
    },
    /// Close an open incident, saying how it was resolved.
    Close {
        id: String,
        #[arg(long)]
        resolution: String,
    },
    /// Write the formal incident report (to the Governor, BSSN, BSrE; Pasal 25).
    Report {
        id: String,
        #[arg(long, value_enum, default_value = "md")]
        format: DocFormat,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Csv,
    Md,
    Txt,
    Pdf,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The yearly supervision-and-evaluation report (Pasal 24, 8(3), 10).
    Yearly {
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value = "md")]
        format: DocFormat,
        #[arg(long)]
        out: PathBuf,
    },
    /// Certificates expiring within N days, per department (renewal reminders, Pasal 15).
    Expiry {
        #[arg(long, default_value_t = 30)]
        within: u32,
        /// Write the list to a file (md, txt, pdf or csv by --format) instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "txt")]
        format: DocFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// Create a self-contained station home: SoftHSM2 tokens, station key, custodians, database.
    Init,
    /// Sandbox tokens.
    #[command(subcommand)]
    Token(SandboxTokenCmd),
    /// Staff tokens (officers, auditors) for the sandbox.
    #[command(subcommand)]
    Staff(SandboxStaffCmd),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StaffRoleArg {
    Officer,
    Auditor,
}

#[derive(Debug, Subcommand)]
pub enum SandboxStaffCmd {
    /// A token with a certificate from the embedded CA for another officer or an auditor;
    /// its PIN is printed once (sandbox only).
    New {
        #[arg(long, value_enum)]
        role: StaffRoleArg,
        /// NIP of the staff member.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxTokenCmd {
    /// Add a blank token to the sandbox (a new USB token from stock); prints its PKCS#11 URI.
    New(SandboxTokenNew),
}

#[derive(Debug, Args)]
pub struct SandboxTokenNew {
    /// Token label (default: STOCK-<random>).
    #[arg(long)]
    pub label: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ApplicationCmd {
    /// Validate an application file and print every problem (changes nothing).
    Check { file: PathBuf },
    /// Validate, archive the documents encrypted, record the application; prints its id.
    Submit { file: PathBuf },
    /// List applications.
    List {
        /// Only applications in this status (submitted, approved, rejected, issued, withdrawn).
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// Show one application with its documents.
    Show { id: String },
    /// Approve a submitted application after verification (Pasal 12).
    Approve { id: String },
    /// Reject a submitted application; the reason is required and told to the applicant.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Decrypt an archived document with a custodian identity (the access is recorded).
    Document {
        id: String,
        /// Document: cover_letter, recommendation, ktp_scan, appointment_decree, delegation_letter.
        kind: String,
        /// Custodian's age identity file.
        #[arg(long)]
        identity: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// Recompute the hash chain and every checkpoint signature; names the first bad event.
    Verify {
        /// Also prove the ledger still holds everything this exported checkpoint covered.
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
    },
    /// Export the latest signed checkpoint for an auditor to keep.
    Checkpoint {
        #[arg(long)]
        out: PathBuf,
    },
    /// List ledger events.
    Events {
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertProfileCmd {
    /// Print the certificate content an application would get.
    Show {
        id: String,
        /// Key algorithm: p256, p384, rsa2048, rsa3072.
        #[arg(long, default_value = "p256")]
        algorithm: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfilesCmd {
    /// Validate token-model profiles: every error with its file and key.
    Check {
        /// Folder of *.toml profiles (default: the profiles built into this program).
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Every token visible through the PKCS#11 modules, with its profile and the verdict per
    /// algorithm, and the PC/SC card readers.
    List(TokenList),
    /// Initialise a token from stock for a holder outside an enrolment: new label, the
    /// holder's PIN, a random SO PIN escrowed to the custodians.
    Init(TokenInit),
    /// Register new tokens as stock: those plugged in now (--present) or a supplier's list
    /// (--from FILE.csv with serial,manufacturer,model,firmware[,label]).
    Intake {
        #[arg(long, conflicts_with = "from", required_unless_present = "from")]
        present: bool,
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Move a token through the lifecycle (suspended, lost, damaged, revoked, returned,
    /// destroyed, stock, issued) with the reason the table asks for.
    State {
        serial: String,
        #[arg(long, value_name = "STATE")]
        to: String,
        #[arg(long)]
        reason: Option<String>,
        /// The auditor (id) who witnessed a destruction.
        #[arg(long, value_name = "ID")]
        witness: Option<String>,
    },
    /// Record that a returned token was wiped (reset to factory state).
    Wiped { serial: String },
    /// Provision a YubiKey / PIV device from stock for its holder: the holder's PIN, a random
    /// PUK and management key escrowed to the custodians, a key pair generated on the device
    /// and its attestation verified and bound to the inventory record.
    PivInit {
        /// The device's serial (as `kustodi token list` shows it).
        serial: u32,
        /// p256, p384, rsa2048.
        #[arg(long, default_value = "p256")]
        algorithm: String,
        /// Read the holder's new PIN from standard input (one line) instead of twice on the
        /// terminal.
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Link a token to the lost, damaged, revoked or returned token it replaces.
    Replace {
        serial: String,
        #[arg(long, value_name = "SERIAL")]
        replaces: String,
    },
}

#[derive(Debug, Args)]
pub struct TokenInit {
    /// PKCS#11 URI of the stock token.
    pub uri: String,
    /// New token label (1 to 32 bytes).
    #[arg(long)]
    pub label: String,
    /// Read the holder's PIN from standard input (one line, after the SO PIN line if
    /// --so-pin-stdin is also given) instead of asking twice on the terminal.
    #[arg(long)]
    pub pin_stdin: bool,
    /// Read the token's current SO PIN from the first line of standard input instead of the
    /// terminal (sandbox stations use the sandbox factory SO PIN unless this is given).
    #[arg(long)]
    pub so_pin_stdin: bool,
}

#[derive(Debug, Args)]
pub struct TokenList {
    /// Also look in this PKCS#11 module (repeatable); adds to config `[tokens] modules`.
    #[arg(long = "module", value_name = "PATH")]
    pub modules: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// Build and verify a ledger of N events in a scratch SQLite file; prints events/s and
    /// the machine's single-core SHA-256 speed over the same bytes.
    Ledger {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 10_000)]
        batch: u64,
    },
    /// N sandbox enrolments through Kustodi and the same work done the manual way
    /// (pkcs11-tool + openssl); prints seconds per enrolment and the ratio.
    Enroll {
        #[arg(long, default_value_t = 5)]
        count: u32,
        /// p256 or rsa2048.
        #[arg(long, default_value = "p256")]
        algorithm: String,
    },
    /// Build a scratch store with N certificates in a year of M events and time the yearly
    /// report (target under 2 s).
    Report {
        #[arg(long, default_value_t = 100_000)]
        certificates: u64,
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
    },
}
