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
desk-busy-tokens = Looking for tokens…
desk-busy-enroll = Issuing on the token…

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
desk-key-choose = choose
desk-key-refresh = look again
desk-key-queue = queue
desk-key-confirm = confirm
desk-key-delete = delete
desk-key-cancel-issue = cancel issuance

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

## Issuance
desk-issue-title = Issuance { $id } · { $name }
desk-issue-step-token = Token
desk-issue-step-applicant-pin = Applicant PIN
desk-issue-step-officer-pin = Officer PIN
desk-issue-step-run = Issue
desk-issue-step-result = Result
desk-issue-needs-approval = Application { $id } is not approved: only approved applications can be issued.
desk-issue-tokens-loading = Looking for tokens…
desk-issue-tokens-choose = Choose the applicant's token (stock tokens only; the station's own tokens are not listed):
desk-issue-tokens-none = No stock token was found.
desk-issue-tokens-none-what = Plug the applicant's new token in (a token from stock, not an officer or station token) and press r to look again. In the sandbox, create one with: kustodi sandbox token new
desk-issue-col-serial = Serial
desk-issue-col-label = Label
desk-issue-col-model = Model
desk-issue-col-inventory = Inventory
desk-issue-token-stock = stock
desk-issue-token-new = new
desk-issue-applicant-pin-intro = Turn the keyboard to the applicant: they type a new PIN for their token, then the same PIN again. Only the applicant types it; the screen shows • for each character.
desk-issue-pin-new = New PIN
desk-issue-pin-again = New PIN again
desk-issue-pin-officer = Officer PIN
desk-issue-pin-empty = Type the PIN first, then press Enter.
desk-issue-pin-mismatch = The two entries differ. Ask the applicant to type the new PIN again, twice.
desk-issue-applicant-pin-set = The applicant's PIN is set (not shown).
desk-issue-officer-pin-intro = Officer: type the PIN of your officer token (the configured [officer] default_token). It signs you in and signs the receipt.
desk-issue-officer-pin-wrong = The officer token refused the PIN. Type it again carefully.
desk-issue-officer-pin-wrong-left = The officer token refused the PIN: { $count } tries left before it locks. Type it again carefully.
desk-issue-officer-pin-wrong-final = The officer token refused the PIN: one try left before it locks. Do not guess.
desk-issue-running = Issuing: officer sign-in, key generated on the token, certificate from the CA, receipt signed by the officer.
desk-issue-running-keep = Do not pull the token out until the result is shown.
desk-issue-done = Issued. The certificate is on the token and the receipt is signed.
desk-issue-done-notice = Application { $id } issued: certificate { $serial }.
desk-issue-field-certificate = Certificate serial
desk-issue-field-token = Token
desk-issue-field-receipt = Receipt
desk-issue-field-session = Session
desk-issue-field-ticket = Ticket
desk-issue-field-csr = CSR file
desk-issue-handover = Hand the token over to the applicant with the printed receipt, and remind them to keep the PIN to themselves.
desk-issue-parked = The certificate request went to the offline CA. The session waits for its certificate.
desk-issue-parked-next = When the CA's certificate arrives, run: kustodi certificate import FILE --session { $session }
desk-issue-failed-session = The issuance stopped midway; session { $session } is open. Put the token back and press c: the Interrupted tab (6) continues it or rolls it back (or: kustodi session resume { $session }).
desk-issue-failed-nothing = No issuance was started for this application; press Enter to go back to the queue.
desk-err-tokens = The tokens could not be listed: { $reason }
desk-hint-tokens = Check that the token reader and the PKCS#11 module of the station work (kustodi token list), then press r.
desk-hint-enrol-officer = Set [officer] default_token in config.toml to your officer token's URI and start the desk again.
desk-hint-enrol-token = Choose another token from stock: Esc, then i on the application again.
desk-hint-enrol-token-failed = Check that the token is inserted properly.

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

## Issuance sessions on the queue (Parked, Interrupted)
desk-tab-parked = Parked
desk-tab-interrupted = Interrupted
desk-busy-sessions = Reading the issuance sessions…
desk-busy-abort = Rolling the session back: deleting the half-made key from the token…
desk-col-session = Session
desk-col-step = Stopped at
desk-col-updated = Last change
desk-session-step = { $step } ({ $phase ->
    [before] during
   *[after] done
})
desk-sessions-none-parked = No issuance is waiting for the offline CA.
desk-sessions-none-interrupted = No issuance stopped midway.
desk-session-parked-what = Session { $session } waits for the offline CA's certificate (ticket { $ticket }). When it arrives: kustodi certificate import FILE --session { $session }
desk-key-resume = continue or roll back
desk-key-identity-ok = same person
desk-key-identity-wrong = not the same
desk-key-agree = applicant agrees
desk-key-disagree = applicant declines
desk-key-algorithm = algorithm
desk-key-continue = continue
desk-key-abort-session = roll back
desk-key-continue-later = to Interrupted tab

## Issuance: identity and agreement
desk-issue-step-identity = Identity
desk-issue-step-agreement = Agreement
desk-issue-identity-intro = With the applicant in front of you, compare their KTP (and SK for a position) with the approved application below (Pasal 14(4)).
desk-issue-identity-documents = Documents on file
desk-issue-identity-question = Is the person in front of you the applicant named above? y = yes, n = no.
desk-issue-identity-mismatch = Issuance of { $id } stopped: the person present is not the applicant. Nothing was started. Ask the applicant named in the application to come in person, or reject the application.
desk-issue-agreement-intro = The applicant reads the whole subscriber agreement (Pasal 14(5)).
desk-issue-agreement-position = lines { $first }–{ $last } of { $total }
desk-issue-agreement-read = read to the end: y = the applicant agrees
desk-issue-agreement-more = scroll on (↓, PgDn, End) to the end before y
desk-issue-agreement-read-first = The applicant has not seen the whole agreement yet: scroll to its end (End), then press y.
desk-issue-agreement-declined = Issuance of { $id } stopped: the applicant did not accept the subscriber agreement. Nothing was started; without acceptance no certificate is issued.

## Issuance: token verdict and the applicant's PIN
desk-issue-algorithm = Key algorithm
desk-issue-algorithm-change = a changes it
desk-issue-col-verdict = Verdict
desk-verdict-allowed = allowed
desk-verdict-warnings = warnings
desk-verdict-refused = refused
desk-verdict-unsupported = This firmware cannot make a { $algorithm } key; it can make: { $supported }. Press a for another algorithm.
desk-issue-token-refused = Token { $serial } is refused for { $algorithm } (see the reason below). Choose another token, or press a for another algorithm.
desk-issue-look-away = Officer: please look away while the applicant types.
desk-issue-pin-policy = PIN rules of this token: { $min } to { $max } characters, { $charset }.
desk-pin-charset-digits = digits only
desk-pin-charset-alnum = letters and digits
desk-pin-charset-any = any characters
desk-issue-pin-strength = Strength
pin-strength-weak = weak: avoid repeats and runs such as 123456
pin-strength-fair = fair
pin-strength-strong = strong
desk-issue-pin-current = Token PIN

## Resume or roll back an interrupted session
desk-resume-intro = This issuance stopped midway. Insert the token, then continue it from where it stopped or roll it back.
desk-resume-continue = continue: the applicant types their PIN, then you type yours; the steps already done are not repeated.
desk-resume-abort = roll back: the half-made key is deleted from the token, a certificate already issued is revoked, and the token goes back to its earlier state.
desk-resume-token-in = Token { $serial } must be in the reader.
desk-resume-field-stopped = Stopped at
desk-resume-pin-intro = Turn the keyboard to the applicant: they type the PIN already set on their token, once.
desk-resume-pin-intro-abort = To delete the half-made key the token needs the applicant's PIN: the applicant types it, once.
desk-resume-aborted = Session { $session } was rolled back.
desk-resume-aborted-notice = Session { $session } rolled back and recorded in the ledger.
desk-resume-aborted-next = The application stays approved: start a new issuance from its details (i) when the applicant is ready.
desk-resume-field-objects = Objects deleted
desk-resume-field-token-state = Token state
desk-resume-field-revoked = Revoked certificate

## Officer sign-in and lock (Pasal 21)
desk-sign-in-title = Officer sign-in
desk-locked-idle = The desk locked itself after a while without a key
desk-locked-manual = The desk is locked
desk-sign-in-intro = Insert your officer token and type its PIN. The desk checks your officer certificate and signs a fresh challenge with your token before it opens.
desk-sign-in-again = Signed in: { $name } ({ $id }). Type your officer token's PIN to go on where you were; any PIN typed before the lock was forgotten.
desk-sign-in-sandbox = Sandbox: the demo officer's PIN is in { $file }
desk-busy-sign-in = Checking the officer token…
desk-signed-in = Welcome, { $name }. The desk locks itself after a while without a key (Ctrl-L locks it now).
desk-key-sign-in = sign in
desk-issue-field-fingerprint = Receipt SHA-256
desk-issue-field-exported = Written to
desk-key-export = write receipt for printing
desk-busy-export = Writing the receipt…
desk-receipt-exported = Receipt { $id } verified and written: the .txt page is for printing, the .p7s is the signed receipt for the applicant.
desk-run-sign-in = Signing the officer in…
desk-run-recognise = Recognise the token
desk-run-initialise = Initialise the token
desk-run-set_pin = Set the applicant's PIN
desk-run-keygen = Generate the key on the token
desk-run-attestation = Attestation
desk-run-csr = Certificate request (CSR)
desk-run-ca = Certificate from the CA
desk-run-certcheck = Check the certificate
desk-run-install = Write it to the token
desk-run-receipt = Sign the receipt
desk-run-supersede = Replace an older certificate
desk-run-finish = Record the issuance
