## Kustodi CLI — English

label-error = Error
label-hint = What to do
label-subject = Subject
label-key-usage = Key usage
label-eku = Extended key usage
label-san = Subject alternative names
label-validity-days = Validity (days)
label-kind = Kind
label-name = Name
label-department = Department
label-uses = Uses
label-submitted = Submitted
label-decided = Decided
label-reason = Reason
label-documents = Documents

## Applications
app-check-valid = Application { $file } is complete and valid.
app-check-invalid = Application { $file } has { $count } problem(s):
app-submitted = Application accepted and recorded as { $id }. Supporting documents are stored encrypted.
app-submit-refused = Application refused: it has { $count } problem(s); nothing was recorded:
app-list-empty = No applications yet.
app-approved = Application { $id } approved.
app-rejected = Application { $id } rejected. Tell the applicant the reason.
app-document-written = Document { $kind } decrypted to { $path }; this access is recorded in the ledger.

## Ledger
ledger-verify-ok = Ledger intact: { $events } events, { $checkpoints } signed checkpoints, head { $head }.
ledger-verify-against-ok = The ledger still holds everything the exported checkpoint covered and is intact: { $events } events, { $checkpoints } checkpoints, head { $head }.
ledger-checkpoint-written = Signed checkpoint ({ $events } events) written to { $path }. Hand it to the auditor to keep.
ledger-token-in-step = Station token: its latest checkpoint ({ $size } events) matches the database; the database was not rolled back.
ledger-token-one-behind = Station token: its checkpoint ({ $size } events) is one seal behind the database ({ $events } events); the station stopped between committing and writing the token. Accepted; the next write updates it.
ledger-token-behind = WARNING: the station token's checkpoint ({ $size } events) is { $seals } seals behind the database ({ $events } events). Writing to the token failed or the token folder was restored from an older backup; the next write updates it. If no write failed, call the auditor.
ledger-token-missing = WARNING: the station token holds no checkpoint yet (station set up before this check), so a rollback of the database cannot be checked. The next write stores one. On a station that has been writing, this means the token folder was changed: call the auditor.
ledger-token-unavailable = WARNING: the station token cannot be opened ({ $reason }), so a rollback of the database was not checked.
ledger-token-unsupported = WARNING: this station key keeps no checkpoint on its token, so a rollback of the database was not checked.

## Profil token / Token profiles
profiles-valid = All { $count } token profiles are valid.
profiles-invalid = The token profiles have { $count } error(s); fix the files named and check again.

## Sandbox
sandbox-ready = Sandbox station ready in { $home }.
sandbox-station-key = Station key (P-256 on a SoftHSM2 token): { $key }
sandbox-custodian = Custodian identity (sandbox only): { $path }
sandbox-examples = Example applications: { $path }
sandbox-token-created = New token from stock added to the sandbox: { $label }

## Errors
err-home-not-initialised = Folder { $path } holds no Kustodi station.
err-home-exists = Folder { $path } already holds a Kustodi station.
err-bad-config = Configuration { $path } is invalid: { $reason }
err-no-home = The station folder is unknown.
err-io = Cannot access { $path }: { $reason }
err-file-not-found = File { $path } does not exist.
err-read = File { $path } cannot be read: { $reason }
err-write = File { $path } cannot be written: { $reason }
err-too-large = File { $path } has { $size } bytes, more than the limit of { $limit } bytes.
err-not-found = { $what ->
    [application] Application { $id } not found.
    [checkpoint] Checkpoint { $id } not found.
   *[other] { $what } { $id } not found.
}
err-schema-too-new = The database has schema version { $found }, newer than this program supports ({ $supported }).
err-store = The database failed: { $reason }
err-corrupt-record = Record { $id } is damaged: { $reason }
err-no-document = Application { $id } has no { $kind } document.
err-profile = The certificate profiles are invalid: { $reason }
err-archive = The encrypted archive failed: { $reason }
err-archive-wrong-identity = Archive file { $name } cannot be opened with this custodian identity.
err-archive-bad-identity = File { $path } holds no custodian identity (AGE-SECRET-KEY-…).
err-archive-damaged = Archive file { $name } is missing or does not match its recorded hash.
err-station-token-missing = The station key token labelled { $label } was not found.
err-station-key-missing = The station key was not found on token { $label }.
err-station-pin-incorrect = The station key token refused the PIN.
err-station-pin-locked = The station key token's PIN is locked.
err-station-token = The station key token failed: { $reason }
err-not-sandbox = This command is for sandbox stations only.
err-token = The token failed: { $reason }
err-ledger-hash-mismatch = Ledger DAMAGED: the content of event { $seq } does not match its hash (changed after it was written).
err-ledger-gap = Ledger DAMAGED: event { $seq } is missing; the next stored event is { $found } (rows deleted).
err-ledger-out-of-order = Ledger DAMAGED: the row of event { $seq } holds event { $found } (rows moved or swapped).
err-ledger-undecodable = Ledger DAMAGED: event { $seq } cannot be read: { $reason }
err-ledger-checkpoint-signature = Ledger DAMAGED: the signature of the checkpoint at { $size } events is not the station's.
err-ledger-checkpoint-mismatch = Ledger DAMAGED: the ledger head at { $size } events differs from the signed head; events { $seq } to { $size } were rewritten.
err-ledger-truncated = Ledger DAMAGED: a checkpoint covers { $size } events, but the ledger holds only { $events } (newest events deleted).
err-ledger-unsealed = Ledger DAMAGED: events from { $seq } on are not sealed by any checkpoint (appended outside the station).
err-ledger-unknown-key = Ledger DAMAGED: the checkpoint at { $size } events is signed by key { $key }, which is not a station key.
err-ledger-bad-station-key = Ledger DAMAGED: station key { $key } is invalid or does not match its id.
err-ledger-shorter-than-checkpoint = Ledger DAMAGED: it holds only { $events } events, fewer than the { $size } of the exported checkpoint (newest events and their checkpoints deleted).
err-ledger-head-differs = Ledger DAMAGED: the head at { $size } events differs from the exported checkpoint (history rewritten).
err-ledger-bad-checkpoint-file = The checkpoint file is invalid: { $reason }
err-ledger-rolled-back = Database ROLLED BACK: it holds only { $events } events, but the checkpoint on the station token covers { $size } (an older copy was put over it or its newest events were cut).
err-ledger-token-head-differs = Database ROLLED BACK: event { $size } differs from the checkpoint on the station token (history replaced after that seal).
err-ledger-token-checkpoint-invalid = The checkpoint on the station token is not valid: { $reason }
err-ledger-witness-write = The change was saved and sealed in the database, but the station token's copy of the checkpoint could not be updated: { $reason }

## What to do
hint-fix-form = Correct the application file (JSON) as docs/formats/application.md describes, then check it again with `kustodi application check`.
hint-ledger-invalid = Do not use this station for issuance. Report a security incident (Pasal 25) and restore the database from a backup that passes `kustodi ledger verify`.
hint-ledger-rolled-back = Do not use this station; it refuses to write. Report a security incident (Pasal 25) and call the auditor: restore the newest database (the one that holds the token's checkpoint), then run `kustodi ledger verify` again.
hint-ledger-witness-write = Check the station token (present, storage space), then run `kustodi ledger verify`; the next command that writes updates the token. Do not repeat this command: its change is recorded.
hint-checkpoint-file = Use a file made by `kustodi ledger checkpoint --out FILE`.
hint-station-key = Make sure the station key token is present and its PIN is right (KUSTODI_STATION_PIN or the PIN file in the config).
hint-list = See the list with `kustodi application list`.
hint-upgrade = Use a newer version of Kustodi.
hint-store = Check disk space and the database file's permissions, then run the command again.
hint-archive-identity = Use the identity file of one of the custodians named in the config.
hint-config = Check config.toml in the station folder.
hint-sandbox-init = Create a station with `kustodi sandbox init`, or choose the folder with --home / KUSTODI_HOME.
hint-home-exists = Use the existing station, or choose another folder with --home.
hint-io = Check the file name, permissions and disk space.
hint-profile = Fix certificate-profiles.toml (see docs/formats/profiles.md).
hint-transition = See the application's status with `kustodi application show`.
hint-too-large = Use a smaller file (scan the document at a lower resolution).
hint-show = See the application's documents with `kustodi application show`.
hint-token = Check the token and the PKCS#11 module, then try again.

# Records bound to the ledger (issue 16)
ledger-verify-records-ok = Records match the ledger: { $records } records in { $tables } tables, { $bindings } binding events.
err-record-edited = Record { $table } { $key } does NOT match the ledger: it was changed after event { $seq } recorded it (columns: { $columns }).
err-record-unrecorded = Record { $table } { $key } does NOT match the ledger: no ledger event records it (added or changed outside the station).
err-record-deleted = Record { $table } { $key } does NOT match the ledger: it was deleted, but event { $seq } records it.
err-record-index = Record { $table } { $key } does NOT match the ledger: the station's binding index names event { $seq }, not the latest event that records it.
err-record-binding-event = Ledger DAMAGED: the record bindings in event { $key } cannot be read.
hint-record-mismatch = Nothing was done with this record. Run `kustodi ledger verify` and call the auditor; do not use this station for issuance until the auditor has restored the database from a backup that passes verification.
home-permissions-tightened = Warning: { $path } was readable by other users; its permissions are now owner-only (folders 0700, files 0600).
