//! Reading files named by someone else: the documents an application form names, and the form
//! itself.
//!
//! A document path comes from the applicant, so it is opened as an untrusted name: component by
//! component from the application folder with `O_NOFOLLOW` (no symbolic link, neither the file
//! nor a folder on its way), never `..` or an absolute path, and the opened handle must be a
//! regular file (checked with `fstat` on the handle, not on the path). Every open is
//! non-blocking, so a FIFO cannot hang the command; it is refused as not a regular file. The
//! bytes are read once: what is hashed is what is archived.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
use rustix::io::Errno;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the path leaves the folder")]
    Outside,
    #[error("the file (or a folder on its path) is a symbolic link")]
    Symlink,
    #[error("not a regular file")]
    NotRegular,
    #[error("not found")]
    Missing,
    #[error("{size} bytes, more than the {limit} allowed")]
    TooLarge { size: u64, limit: u64 },
    #[error("{0}")]
    Io(std::io::Error),
}

impl FileError {
    fn from_errno(e: Errno) -> Self {
        if e == Errno::NOENT {
            FileError::Missing
        } else {
            FileError::Io(e.into())
        }
    }
}

const READ: OFlags = OFlags::RDONLY
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NONBLOCK);

/// Reads the file at `path` (given by the officer: symbolic links followed) if it is a regular
/// file of at most `limit` bytes. The check is made on the opened handle.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let fd = rustix::fs::open(path, READ, Mode::empty()).map_err(FileError::from_errno)?;
    read_handle(fd, limit)
}

/// Reads `rel`, a path relative to the folder `base` given by an application, without following
/// any symbolic link inside `base`, if it names a regular file of at most `limit` bytes.
pub fn read_in_folder(base: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, FileError> {
    if rel.starts_with('/') || rel.contains('\\') || rel.contains('\0') {
        return Err(FileError::Outside);
    }
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(FileError::Outside);
    }
    let Some((name, dirs)) = parts.split_last() else {
        return Err(FileError::NotRegular);
    };
    let mut dir: OwnedFd = rustix::fs::openat(
        CWD,
        base,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(FileError::from_errno)?;
    for comp in dirs {
        dir = rustix::fs::openat(
            &dir,
            *comp,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| classify(&dir, comp, e))?;
    }
    let fd = rustix::fs::openat(&dir, *name, READ | OFlags::NOFOLLOW, Mode::empty())
        .map_err(|e| classify(&dir, name, e))?;
    read_handle(fd, limit)
}

/// Names why `openat(dir, name, O_NOFOLLOW…)` failed: a link, something else than expected,
/// or missing.
fn classify(dir: &OwnedFd, name: &str, e: Errno) -> FileError {
    if e == Errno::LOOP || e == Errno::NOTDIR || e == Errno::MLINK {
        return match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
                FileError::Symlink
            }
            Ok(_) => FileError::NotRegular,
            Err(e) => FileError::from_errno(e),
        };
    }
    FileError::from_errno(e)
}

fn read_handle(fd: OwnedFd, limit: u64) -> Result<Vec<u8>, FileError> {
    let st = rustix::fs::fstat(&fd).map_err(|e| FileError::Io(e.into()))?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(FileError::NotRegular);
    }
    let size = u64::try_from(st.st_size).unwrap_or(0);
    if size > limit {
        return Err(FileError::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    std::fs::File::from(fd)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(FileError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn folder() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("docs")).unwrap();
        std::fs::write(d.path().join("docs/ktp.pdf"), b"%PDF").unwrap();
        d
    }

    #[test]
    fn a_regular_file_inside_the_folder_is_read() {
        let d = folder();
        assert_eq!(
            read_in_folder(d.path(), "docs/ktp.pdf", 10).unwrap(),
            b"%PDF"
        );
        assert_eq!(
            read_in_folder(d.path(), "./docs//ktp.pdf", 10).unwrap(),
            b"%PDF"
        );
    }

    #[test]
    fn a_symlinked_file_or_folder_is_refused() {
        let d = folder();
        symlink("/etc/passwd", d.path().join("docs/x.pdf")).unwrap();
        symlink(d.path().join("docs"), d.path().join("linked")).unwrap();
        assert!(matches!(
            read_in_folder(d.path(), "docs/x.pdf", 1 << 20),
            Err(FileError::Symlink)
        ));
        assert!(matches!(
            read_in_folder(d.path(), "linked/ktp.pdf", 1 << 20),
            Err(FileError::Symlink)
        ));
    }

    #[test]
    fn escapes_directories_and_missing_files_are_named() {
        let d = folder();
        for p in ["../x", "/etc/passwd", "docs/../../x"] {
            assert!(
                matches!(read_in_folder(d.path(), p, 9), Err(FileError::Outside)),
                "{p}"
            );
        }
        assert!(matches!(
            read_in_folder(d.path(), "docs", 9),
            Err(FileError::NotRegular)
        ));
        assert!(matches!(
            read_in_folder(d.path(), "docs/nope.pdf", 9),
            Err(FileError::Missing)
        ));
        assert!(matches!(
            read_in_folder(d.path(), "docs/ktp.pdf", 2),
            Err(FileError::TooLarge { size: 4, limit: 2 })
        ));
    }
}
