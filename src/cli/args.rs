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
    /// Officer performing the action (until token sign-in: an officer id such as a NIP).
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
    /// Hardware tokens and card readers.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCmd),
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// Create a self-contained station home: SoftHSM2 tokens, station key, custodians, database.
    Init,
    /// Sandbox tokens.
    #[command(subcommand)]
    Token(SandboxTokenCmd),
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
}
