//! Kustodi desk: skeleton. The issuance UI is built by the desk issue.
fn main() -> anyhow::Result<()> {
    println!("kustodi-tui {}", env!("CARGO_PKG_VERSION"));
    Ok(())
}
