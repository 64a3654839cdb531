### Kustodi — certificate applications (English).
### Message ids: problem-<code with dots replaced by dashes>, form-error-*, transition-error-*.
### The application-*-name messages are fragments referenced by other messages.

## Name fragments (they use the caller's arguments)

application-document-name = { $document ->
    [cover_letter] cover letter
    [recommendation] recommendation letter
    [ktp_scan] e-KTP scan
    [appointment_decree] appointment decree
    [delegation_letter] delegation letter
   *[other] { $document }
}
application-kind-name = { $kind ->
    [individual] an individual certificate
    [position] a position certificate
    [system] an electronic-system certificate
   *[other] { $kind }
}
application-use-name = { $use ->
    [signature] electronic signature
    [email] e-mail protection
    [document] document protection
    [tls_server] TLS server (HTTPS)
    [tls_client] TLS client authentication
   *[other] { $use }
}

## NIK

problem-nik-missing = The NIK is missing. Enter the applicant's NIK as printed on the e-KTP (16 digits).
problem-nik-length = A NIK has { $expected } digits, but { $length } characters were entered. Copy the NIK again from the applicant's e-KTP.
problem-nik-not_digits = The NIK may contain only the digits 0–9. Remove letters, spaces, dots and other punctuation.
problem-nik-province_unknown = The province code { $province } in the first two digits of the NIK does not exist. Check the NIK on the applicant's e-KTP.
problem-nik-regency_zero = The regency/city code of the NIK (digits 3–4) cannot be 00. Check the NIK on the applicant's e-KTP.
problem-nik-district_zero = The district code of the NIK (digits 5–6) cannot be 00. Check the NIK on the applicant's e-KTP.
problem-nik-day_invalid = The birth day in the NIK ({ $day }) is invalid: it must be 01–31 for men or 41–71 for women. Check the NIK on the applicant's e-KTP.
problem-nik-month_invalid = The birth month in the NIK ({ $month }) is invalid: it must be 01–12. Check the NIK on the applicant's e-KTP.
problem-nik-date_invalid = The birth date in the NIK ({ $date }) does not exist in the calendar. Check the NIK on the applicant's e-KTP.
problem-nik-birth_in_future = The birth date in the NIK ({ $date }) is after today. Check the NIK on the applicant's e-KTP.
problem-nik-serial_zero = The serial number of the NIK (last four digits) cannot be 0000. Check the NIK on the applicant's e-KTP.

## NIP

problem-nip-missing = The NIP is missing; it is required for ASN applicants. Enter the 18-digit NIP from the appointment decree.
problem-nip-length = A NIP has { $expected } digits, but { $length } characters were entered. Copy the NIP again from the appointment decree or the civil-servant card.
problem-nip-not_digits = The NIP may contain only the digits 0–9. Remove letters, spaces and punctuation.
problem-nip-birth_date_invalid = The birth date in the NIP ({ $date }, format YYYYMMDD) does not exist in the calendar. Check the first eight digits of the NIP.
problem-nip-birth_too_early = The birth year in the NIP ({ $year }) is before { $min }. Check the first eight digits of the NIP.
problem-nip-birth_in_future = The birth date in the NIP ({ $date }) is after today. Check the first eight digits of the NIP.
problem-nip-appointment_month_invalid = The month of the civil-service start (TMT CPNS) in the NIP ({ $month }, digits 13–14) is invalid: it must be 01–12. Check the NIP.
problem-nip-appointment_in_future = The civil-service start (TMT CPNS) in the NIP ({ $appointment }) is after the current month. Check the NIP; apply only once the TMT CPNS has begun.
problem-nip-appointment_before_age_18 = The civil-service start (TMT CPNS) in the NIP ({ $appointment }) is before the applicant turned 18 (born { $birth }). Check the NIP.
problem-nip-gender_invalid = The gender digit of the NIP (digit 15: { $digit }) must be 1 for men or 2 for women. Check the NIP.
problem-nip-serial_zero = The serial number of the NIP (last three digits) cannot be 000. Check the NIP.

## NIK and NIP consistency

problem-identity-birth_date_mismatch = The birth date in the NIK ({ $nik_birth }) differs from the birth date in the NIP ({ $nip_birth }). Make sure both numbers belong to the same person and correct the wrong one.
problem-identity-gender_mismatch = The gender in the NIK ({ $nik_gender ->
        [female] female
       *[male] male
    }) differs from the gender in the NIP ({ $nip_gender ->
        [female] female
       *[male] male
    }). Make sure both numbers belong to the same person and correct the wrong one.

## Applicant

problem-name-missing = The applicant's name is missing. Enter the full name as on the e-KTP.
problem-name-too_long = The applicant's name is too long ({ $length } characters; at most { $max }). Leave out academic titles or abbreviate as the rules allow.
problem-name-control_chars = The applicant's name contains control characters (such as a line break or tab). Write the name on one line.
problem-name-no_letter = The applicant's name contains no letter. Enter the full name as on the e-KTP.
problem-email-missing = The e-mail address is missing. Enter the applicant's official e-mail address.
problem-email-invalid = The e-mail address “{ $email }” is not valid. Use the form name@department.bekasikab.go.id, without spaces and without non-ASCII letters.
problem-email-domain_not_official = The e-mail address uses the domain { $domain }, which is not an official domain ({ $official }). Use the official government e-mail address.
problem-department-missing = The department (work unit) is missing. Enter the name of the regional agency the applicant works for.
problem-department-too_long = The department name is too long ({ $length } characters; at most { $max }). Use the official name or its official abbreviation.
problem-department-control_chars = The department name contains control characters. Write the name on one line.
problem-position_title-missing = The position title is missing; it is required for a position certificate. Enter the title as in the appointment decree.
problem-position_title-too_long = The position title is too long ({ $length } characters; at most { $max }). Use the official title or its official abbreviation.
problem-position_title-control_chars = The position title contains control characters. Write the title on one line.
problem-position_title-not_applicable = A position title is only given for a position certificate, not for { application-kind-name }. Remove the title or change the certificate kind.

## Electronic system

problem-system-missing = The electronic-system block is missing; it is required for an electronic-system certificate. Enter the system name and at least one DNS name.
problem-system-not_applicable = The electronic-system block is only given for an electronic-system certificate, not for { application-kind-name }. Remove the system block or change the certificate kind.
problem-system-name_missing = The name of the electronic system is missing. Enter the official name of the system or application.
problem-system-name_too_long = The name of the electronic system is too long ({ $length } characters; at most { $max }). Use a shorter name.
problem-system-name_control_chars = The name of the electronic system contains control characters. Write the name on one line.
problem-system-dns_names_missing = No DNS name is given for the electronic system. Enter at least one DNS name, e.g. service.bekasikab.go.id.
problem-dns-empty = The DNS name is empty. Enter a DNS name or remove the entry.
problem-dns-too_long = The DNS name is too long ({ $length } characters; at most { $max }). Use a shorter name.
problem-dns-label_empty = The DNS name “{ $name }” has an empty label (a dot at the start, at the end, or two dots in a row). Remove the extra dot.
problem-dns-label_too_long = The label “{ $label }” of the DNS name is too long ({ $length } characters; at most { $max }). Shorten that label.
problem-dns-label_invalid_chars = The label “{ $label }” of the DNS name contains characters that are not allowed. Use only letters a–z, digits 0–9 and hyphens; write it without https:// and without slashes; write internationalized names in punycode (xn--…).
problem-dns-label_hyphen_edge = The label “{ $label }” of the DNS name may not start or end with a hyphen. Correct the DNS name.
problem-dns-wildcard = The wildcard DNS name “{ $name }” is not allowed. List every host name explicitly.
problem-dns-numeric_tld = “{ $name }” looks like an IP address, not a DNS name. Use a DNS name under the official domain.
problem-dns-not_official = The DNS name “{ $name }” is not under an official domain ({ $official }). Use a DNS name under the regional government's official domain.
problem-dns-duplicate = The DNS name “{ $name }” is listed more than once. Remove the duplicate.

## Certificate uses

problem-uses-empty = No certificate use is selected for { application-kind-name }. Select at least one use.
problem-uses-duplicate = The use “{ application-use-name }” is selected more than once. Remove the duplicate.
problem-uses-not_allowed = The use “{ application-use-name }” is not allowed for { application-kind-name }. Remove that use or change the certificate kind.

## Supporting documents

problem-document-missing = The { application-document-name } is missing; it is required for this kind of certificate. Attach the document.
problem-document-not_applicable = The { application-document-name } is not needed for { application-kind-name }. Remove it from the application.
problem-document-number_missing = The number of the { application-document-name } is missing. Enter the letter number as printed on the document.
problem-document-number_too_long = The number of the { application-document-name } is too long (at most { $max } characters) or contains control characters. Copy the number exactly as printed on the document.
problem-document-date_missing = The date of the { application-document-name } is missing. Enter the date of the letter as YYYY-MM-DD, e.g. 2026-11-02.
problem-document-date_invalid = The date of the { application-document-name } (“{ $date }”) is not valid. Use the format YYYY-MM-DD with a real calendar date, e.g. 2026-11-02.
problem-document-date_in_future = The date of the { application-document-name } ({ $date }) is after today ({ $today }). Check the date of the letter.
problem-document-file_required = No file is given for the { application-document-name }. Enter the path of the scanned file, relative to the application folder.
problem-document-file_outside = The file path “{ $path }” leads outside the application folder. Copy the file into the application folder and give its path without “..” and without a leading slash.
problem-document-file_missing = The file “{ $path }” was not found. Check the file name and its location in the application folder.
problem-document-file_unreadable = The file “{ $path }” cannot be read. Check the file permissions or copy the file again.
problem-document-file_symlink = The file “{ $path }”, or a folder on its path, is a symbolic link. Links are not followed: copy the file itself into the application folder.
problem-document-file_not_regular = “{ $path }” is not a regular file (it is a folder, a pipe or a device). Give the path of the scanned file itself.
problem-document-file_too_large = The file “{ $path }” is larger than the limit of { $limit }. Scan it again at a lower resolution or compress it.

## Application file errors (the file cannot be read as a form)

form-error-empty = The application file is empty. Choose the right application file.
form-error-not_utf8 = The application file is not UTF-8 text (first invalid byte at offset { $offset }). Save the file again with UTF-8 encoding.
form-error-syntax = Line { $line }, column { $column }: the JSON is not valid. Check quotes, commas and brackets at that position. (Technical detail: { $detail })
form-error-truncated = Line { $line }, column { $column }: the application file ends too early. Add the missing closing brace or quote. (Technical detail: { $detail })
form-error-unknown_key = Line { $line }, column { $column }: the key “{ $key }” is not known. Remove it or correct its spelling. (Technical detail: { $detail })
form-error-missing_key = Line { $line }, column { $column }: the required key “{ $key }” is missing. Add it. (Technical detail: { $detail })
form-error-duplicate_key = Line { $line }, column { $column }: the key “{ $key }” appears more than once. Remove one of them. (Technical detail: { $detail })
form-error-unknown_value = Line { $line }, column { $column }: the value “{ $value }” is not known. Use one of the values listed in the technical detail. (Technical detail: { $detail })
form-error-wrong_type = Line { $line }, column { $column }: the value has the wrong type, e.g. a number where text in quotes is expected. Correct the value. (Technical detail: { $detail })
form-error-invalid = Line { $line }, column { $column }: the value is not valid. Correct the value. (Technical detail: { $detail })

## Application status changes

transition-error-not_allowed = The application cannot go from “{ $from ->
        [submitted] submitted
        [approved] approved
        [rejected] rejected
        [issued] issued
        [withdrawn] withdrawn
       *[other] { $from }
    }” to “{ $to ->
        [submitted] submitted
        [approved] approved
        [rejected] rejected
        [issued] issued
        [withdrawn] withdrawn
       *[other] { $to }
    }”. Check the current status of the application before continuing.
transition-error-reason_missing = The rejection reason is missing. Write the reason so that the applicant can correct the application.
transition-error-reason_too_short = The rejection reason is too short ({ $length } characters; at least { $min }). Write a clear reason.
transition-error-reason_too_long = The rejection reason is too long ({ $length } characters; at most { $max }). Shorten the reason.
transition-error-reason_control_chars = The rejection reason contains control characters that are not allowed. Write the reason again as plain text.
