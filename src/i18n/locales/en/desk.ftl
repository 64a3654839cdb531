### Kustodi — service desk (kustodi-tui), English.
### Every text of the desk's screens is here; error messages and hints are shared from cli.ftl
### (err-*, hint-*). desk-hint-* replace shared hints that name a CLI command.

## Header
desk-header-desk = Desk
desk-header-officer = Officer
desk-header-no-officer = not signed in
desk-too-small = Screen too small: enlarge the terminal (at least 80×24).

## Ledger
desk-ledger-unknown = Ledger: ?
desk-ledger-checking = Verifying the ledger…
desk-ledger-intact-short = Ledger intact ({ $events })
desk-ledger-damaged-short = LEDGER DAMAGED
desk-ledger-title = Ledger (Pasal 27)
desk-ledger-about = Every change at the station is recorded as a hash-chained event and sealed by a checkpoint signed with the station key. Verification recomputes the whole chain and every signature.

## Work in progress
desk-busy-queue = Loading the queue…
desk-busy-check = Checking the application file…
desk-busy-submit = Submitting and recording the application…
desk-busy-decide = Recording the decision…
desk-busy-detail = Loading the application…
desk-busy-ledger = Verifying the ledger…

## Queue
desk-tab-waiting = Waiting
desk-tab-approved = Approved
desk-tab-rejected = Rejected
desk-tab-all = All
desk-col-kind = Kind
desk-col-status = Status
desk-col-name = Name
desk-col-department = Department
desk-col-date = Submitted
desk-queue-position = { $first }–{ $last } of { $total }
desk-queue-empty = No applications here yet. Press n for a new application.
desk-queue-no-match = No application matches “{ $search }”.
desk-kind-individual = individual
desk-kind-position = position
desk-kind-system = system
desk-status-submitted = waiting
desk-status-approved = approved
desk-status-rejected = rejected
desk-status-issued = issued
desk-status-withdrawn = withdrawn

## Keys
desk-key-move = select
desk-key-open = details
desk-key-new = new
desk-key-approve = approve
desk-key-reject = reject
desk-key-search = search
desk-key-search-done = done
desk-key-search-clear = clear search
desk-key-tabs = status
desk-key-ledger = ledger
desk-key-quit = quit
desk-key-english = English
desk-key-indonesian = Bahasa Indonesia
desk-key-cancel = cancel
desk-key-send = send
desk-key-check = check
desk-key-back = back
desk-key-tick = tick
desk-key-submit = submit
desk-key-recheck = check again
desk-key-edit-path = change file
desk-key-scroll = scroll
desk-key-issue = issue
desk-key-verify = verify again

## Application wizard
desk-wizard-title = New application
desk-wizard-step-path = Choose the file
desk-wizard-step-review = Match documents and check
desk-wizard-path-label = Path of the application file (JSON):
desk-wizard-path-help = Type the path of the application file, then press Enter. The file and the documents it names are checked; nothing is recorded yet. Document paths are relative to the folder of the application file.
desk-wizard-path-empty = Type the path of the application file first.
desk-wizard-unreadable = not an application file
desk-wizard-problems = { $count } problem(s)
desk-wizard-unticked = { $count } document(s) not ticked
desk-wizard-ready = ready to submit
desk-checklist-title = Documents the applicant presented (Pasal 11)
desk-applicant-title = Application data
desk-other-problems = Other problems
desk-field-file = File
desk-field-kind = Kind
desk-field-name = Name
desk-field-category = Category
desk-field-email = E-mail
desk-field-department = Department
desk-field-position = Position
desk-field-system = System
desk-field-dns = DNS names
desk-field-uses = Uses
desk-field-submitted = Submitted
desk-field-decided = Decided
desk-field-reason = Reason
desk-category-regent = Regent
desk-category-vice_regent = Vice regent
desk-category-asn = ASN
desk-category-other = other
desk-submit-has-problems = Cannot submit: the file still has { $count } problem(s). Correct the file, then check again (c).
desk-submit-checklist-incomplete = Cannot submit: { $count } document(s) not ticked. Tick only original documents the applicant actually showed you.
desk-submit-unreadable = Cannot submit: this file is not an application file.
desk-submitted = Application accepted and recorded as { $id }. Supporting documents are stored encrypted.

## Decisions
desk-approve-title = Approve { $id }
desk-approve-question = Approve application { $id } of { $name }?
desk-approve-note = Approve only once you have checked the applicant's identity and every original document. The decision is recorded in the ledger in your name.
desk-reject-title = Reject { $id }
desk-reject-prompt = Reason for rejection (required; it is told to the applicant):
desk-approved = Application { $id } approved.
desk-rejected = Application { $id } rejected. Tell the applicant the reason.
desk-only-waiting = Application { $id } is { $status }: only waiting applications can be decided.
desk-no-officer = No officer signed in: start the desk with --officer NIP (or KUSTODI_OFFICER) so that actions are recorded in your name.

## Details
desk-detail-title = Application { $id } · { $status }
desk-detail-form-unreadable = The stored form cannot be read.
desk-documents-title = Stored documents (encrypted)

## Issuance (not yet available)
desk-issue-title = Issuance { $id } · { $name }
desk-issue-not-yet = The issuance steps are not available in this version yet. They will be:
desk-issue-step-token = Token: insert and recognise the applicant's token
desk-issue-step-passphrase = Passphrase: the applicant sets the PIN
desk-issue-step-keygen = Key generation on the token
desk-issue-step-ca = Certificate request to the CA
desk-issue-step-receipt = Receipt signed by officer and applicant
desk-issue-needs-approval = Application { $id } is not approved: only approved applications can be issued.

## Desk errors
desk-err-terminal = The terminal cannot be used: { $reason }
desk-hint-terminal = Run kustodi-tui in an interactive terminal of at least 80×24.
desk-err-worker-gone = The desk's background process stopped; the last action may not have been recorded.
desk-hint-restart = Quit (q) and start kustodi-tui again; verify the ledger afterwards.

## Shared hints in the desk's words
desk-hint-list = Go back to the queue (Esc) and choose an existing application.
desk-hint-transition = Open the application's details (Enter in the queue) to see its status.
desk-hint-show = Open the application's details (Enter in the queue) to see its documents.
desk-hint-fix-form = Correct the application file (JSON) as docs/formats/application.md describes, then check it again (c).
