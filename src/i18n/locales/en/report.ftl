## Incidents and reports — English

## ASN roster
roster-imported = ASN roster replaced: { $rows } ASN in { $departments } departments (file SHA-256 { $sha256 }). The import is recorded in the ledger.
roster-err-invalid = The roster file has { $count } bad row(s); the roster was not changed:
roster-err-empty = The roster file holds no ASN; the roster was not changed.
roster-hint-fix = Fix the rows named in the CSV file (columns nip,name,department[,position]) and import the whole file again.
roster-label-line = line
roster-list-empty = The ASN roster is empty. Import it with `kustodi roster import FILE.csv`.
roster-list-count = { $count } ASN.
roster-problem-not_utf8 = The file is not UTF-8 text. Save the CSV again with UTF-8 encoding.
roster-problem-empty = The file is empty.
roster-problem-header = The header "{ $header }" must name the columns nip, name and department (position is optional).
roster-problem-quote = A quotation mark on this line is not closed.
roster-problem-columns = This line has { $found } columns, expected { $expected }.
roster-problem-missing = The { $field ->
    [name] name
   *[other] department
    } column is empty.
roster-problem-bad_text = The { $field ->
    [name] name
   *[other] department
    } column holds control characters or more than 200 characters.
roster-problem-duplicate_nip = NIP { $nip } is already on line { $first }.

## Incidents (Pasal 23, 25)
incident-recorded = Incident recorded as { $id }. Report it at once to the Governor, the head of BSSN and the head of BSrE (Pasal 25): `kustodi incident report { $id } --out FILE`.
incident-closed = Incident { $id } closed.
incident-list-empty = No incidents yet.
incident-report-written = Incident report { $id } written to { $path }.
incident-category-lost_key = Private key lost
incident-category-damaged_key = Private key damaged
incident-category-authentication = Authentication problem
incident-category-authenticity = Authenticity problem
incident-category-non_repudiation = Non-repudiation problem
incident-category-other = Other
incident-status-open = open
incident-status-closed = closed
incident-err-category = Unknown incident category "{ $given }".
incident-hint-category = Categories: { $allowed }.
incident-err-empty = The incident { $field } must not be empty.
incident-err-too-long = The incident { $field } has { $len } characters, more than { $max }.
incident-err-transition = Incident { $id } is already { $status }; it cannot be closed again.
incident-hint-list = See the incidents' status with `kustodi incident list`.

incident-report-title = INCIDENT REPORT ON THE OPERATION OF ELECTRONIC CERTIFICATES
incident-report-number = Number
incident-report-date = Date of report
incident-report-from = From
incident-report-to = To:
addressee-regent-main = The Regent of Bekasi
addressee-governor = The Governor of West Java
addressee-bssn = The Head of the National Cyber and Crypto Agency (BSSN)
addressee-bsre = The Head of the Electronic Certification Agency (BSrE)
addressee-regent = The Regent of Bekasi (copy)
incident-report-basis = Basis: Pasal { $pasal } of the Regent Regulation of Bekasi of 26 December 2018 on electronic certificates in the Government of Bekasi Regency, which requires every problem of authentication, authenticity and non-repudiation, and every lost or damaged private key, to be reported at once to the Governor, the head of BSSN and the head of BSrE.
incident-report-h-incident = 1. The incident
incident-report-h-linked = 2. Tokens, certificates and applications concerned
incident-report-h-timeline = 3. Timeline from the ledger
incident-report-h-actions = 4. Actions taken
incident-report-h-closing = 5. Closing
incident-report-closed = The incident was handled and closed on { $at } by { $by }. Resolution: { $resolution }
incident-report-still-open = The incident is still open; it is being handled. A follow-up report will be sent when it is closed.
incident-report-closing = This report is made to meet the reporting obligation of Pasal { $pasal }. Every event above is recorded in the station's signed ledger and can be checked with `kustodi ledger verify`.
incident-report-signature = Recording officer,
incident-field-id = Incident number
incident-field-category = Category
incident-field-summary = Summary
incident-field-occurred = Occurred at
incident-field-recorded = Recorded at
incident-field-reported-by = Reported by
incident-field-recorded-by = Recorded by
incident-field-status = Status
incident-field-token = Token
incident-field-certificate = Certificate
incident-field-application = Application

## Reports
report-none = None.
report-total = Total
report-unknown-department = (department unknown)
report-generated = Prepared on
report-col-item = Item
report-col-detail = Detail
report-col-time = Time
report-col-seq = No.
report-col-event = Event
report-col-subject = Subject
report-col-actor = Actor
report-col-month = Month
report-col-department = Department
report-col-reason = Reason
report-col-count = Count
report-col-category = Category
report-col-asn = ASN
report-col-with = With certificate
report-col-without = Without
report-col-serial = Serial
report-col-name = Name
report-col-not-after = Valid until
report-col-days-left = Days left
report-metric-submitted = Submitted
report-metric-approved = Approved
report-metric-rejected = Rejected
report-metric-issued = Issued
report-metric-renewed = Renewed
report-metric-revoked = Revoked
report-metric-incidents = Incidents
report-month-1 = January
report-month-2 = February
report-month-3 = March
report-month-4 = April
report-month-5 = May
report-month-6 = June
report-month-7 = July
report-month-8 = August
report-month-9 = September
report-month-10 = October
report-month-11 = November
report-month-12 = December

report-yearly-title = SUPERVISION AND EVALUATION REPORT ON ELECTRONIC CERTIFICATES, YEAR { $year }
report-yearly-to = To:
report-yearly-basis = Basis: Pasal 24 of the Regent Regulation of Bekasi of 26 December 2018 on electronic certificates in the Government of Bekasi Regency (yearly supervision and evaluation report), with the certificate coverage of ASN (Pasal 8(3)) and the figures for the road map (Pasal 10).
report-h-summary = 1. Summary
report-summary-applications = Applications: { $submitted } submitted, { $approved } approved, { $rejected } rejected.
report-summary-certificates = Certificates: { $issued } issued, { $renewed } renewed, { $revoked } revoked.
report-summary-incidents = Incidents recorded: { $count }.
report-summary-valid = Certificates valid at the end of { $year }: { $count }.
report-summary-coverage = ASN coverage: { $with } of { $asn } ASN hold a valid certificate ({ $percent } %).
report-h-monthly = 2. Activity per month
report-chart-issued = Certificates issued and renewed per month
report-h-departments = 3. Activity per department
report-h-revocations = 4. Revocations by reason
report-h-incidents = 5. Incidents by category
report-h-coverage = 6. Certificate coverage of ASN (Pasal 8(3))
report-coverage-note = ASN of the last imported roster, with or without a certificate valid on 31 December { $year } at 24:00 WIB (issued before, not expired, not revoked).
report-chart-coverage = Share of ASN holding a certificate
report-h-wave = 7. Expiry wave for the road map (Pasal 10)
report-wave-note = Certificates valid at the end of { $year } (and not yet replaced by a renewal) by the month they expire in the next 24 months: the renewals to plan for.
report-chart-wave = Certificates expiring per month
report-h-data = 8. Data sources and notes
report-data-source = Every figure is computed from the station's signed ledger events (applications, issuance, renewal, revocation, incidents) and the ASN roster; the CSV format gives the details.
report-data-periods = Months are counted in Western Indonesian Time (WIB, UTC+7).
report-data-unreadable = { $count } event(s) could not be read because they break the data contract and were not counted (sequence numbers: { $seqs }).
report-yearly-written = Report for { $year } written to { $path }.
report-unreadable-warning = Warning: { $count } event(s) could not be read and were not counted; see the data notes of the report.
report-expiry-title = Certificates expiring within { $days } days (as of { $date })
report-expiry-none = No certificate expires within this period.
report-expiry-written = List of { $count } certificate(s) written to { $path }.
report-err-time = "{ $given }" is not a valid time.
report-hint-time = Write the time as RFC 3339, e.g. 2025-03-01T08:00:00+07:00, or a date 2025-03-01.
report-err-future = The time of the incident { $given } is in the future.
report-err-year = Year { $year } is outside the supported range.
report-err-format = Format { $format } is not available for this document.
