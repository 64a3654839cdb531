## Insiden dan laporan — Bahasa Indonesia (bahasa utama)

## Daftar ASN (roster)
roster-imported = Daftar ASN diganti: { $rows } ASN dari { $departments } perangkat daerah (SHA-256 berkas { $sha256 }). Impor ini dicatat dalam buku besar.
roster-err-invalid = Berkas daftar ASN memiliki { $count } baris bermasalah; daftar tidak diubah:
roster-err-empty = Berkas daftar ASN tidak berisi satu pun ASN; daftar tidak diubah.
roster-hint-fix = Perbaiki baris yang disebut pada berkas CSV (kolom nip,name,department[,position]) lalu impor ulang seluruh berkas.
roster-label-line = baris
roster-list-empty = Daftar ASN masih kosong. Impor dengan `kustodi roster import BERKAS.csv`.
roster-list-count = { $count } ASN.
roster-problem-not_utf8 = Berkas bukan teks UTF-8. Simpan ulang CSV dengan pengodean UTF-8.
roster-problem-empty = Berkas kosong.
roster-problem-header = Baris judul "{ $header }" harus memuat kolom nip, name dan department (position boleh ada).
roster-problem-quote = Tanda petik pada baris ini tidak ditutup.
roster-problem-columns = Baris ini memiliki { $found } kolom, seharusnya { $expected }.
roster-problem-missing = Kolom { $field ->
    [name] nama
   *[other] perangkat daerah
    } kosong.
roster-problem-bad_text = Kolom { $field ->
    [name] nama
   *[other] perangkat daerah
    } memuat karakter kendali atau lebih dari 200 karakter.
roster-problem-duplicate_nip = NIP { $nip } sudah tercantum pada baris { $first }.

## Insiden (Pasal 23, 25)
incident-recorded = Insiden dicatat dengan nomor { $id }. Laporkan segera kepada Gubernur, Kepala BSSN dan Kepala BSrE (Pasal 25): `kustodi incident report { $id } --out BERKAS`.
incident-closed = Insiden { $id } ditutup.
incident-list-empty = Belum ada insiden.
incident-report-written = Laporan insiden { $id } ditulis ke { $path }.
incident-category-lost_key = Kunci privat hilang
incident-category-damaged_key = Kunci privat rusak
incident-category-authentication = Masalah autentikasi
incident-category-authenticity = Masalah keaslian
incident-category-non_repudiation = Masalah nirsangkal
incident-category-other = Lainnya
incident-status-open = terbuka
incident-status-closed = ditutup
incident-err-category = Kategori insiden "{ $given }" tidak dikenal.
incident-hint-category = Kategori yang tersedia: { $allowed }.
incident-err-empty = Isian { $field } insiden tidak boleh kosong.
incident-err-too-long = Isian { $field } insiden terdiri dari { $len } karakter, melebihi batas { $max }.
incident-err-transition = Insiden { $id } sudah { $status ->
    [closed] ditutup
   *[other] { $status }
    }; tidak dapat ditutup lagi.
incident-hint-list = Lihat status insiden dengan `kustodi incident list`.

incident-report-title = LAPORAN INSIDEN PENYELENGGARAAN SERTIFIKAT ELEKTRONIK
incident-report-number = Nomor
incident-report-date = Tanggal laporan
incident-report-from = Dari
incident-report-to = Kepada Yth.:
addressee-regent-main = Bupati Bekasi
addressee-governor = Gubernur Jawa Barat
addressee-bssn = Kepala Badan Siber dan Sandi Negara (BSSN)
addressee-bsre = Kepala Balai Besar Sertifikasi Elektronik (BSrE)
addressee-regent = Bupati Bekasi (tembusan)
incident-report-basis = Dasar: Pasal { $pasal } Peraturan Bupati Bekasi tanggal 26 Desember 2018 tentang penyelenggaraan sertifikat elektronik di lingkungan Pemerintah Kabupaten Bekasi, yang mewajibkan setiap permasalahan autentikasi, keaslian dan nirsangkal serta kehilangan atau kerusakan kunci privat segera dilaporkan kepada Gubernur, Kepala BSSN dan Kepala BSrE.
incident-report-h-incident = 1. Uraian insiden
incident-report-h-linked = 2. Token, sertifikat dan permohonan terkait
incident-report-h-timeline = 3. Kronologi menurut buku besar (ledger)
incident-report-h-actions = 4. Tindakan yang telah diambil
incident-report-h-closing = 5. Penutup
incident-report-closed = Insiden telah ditangani dan ditutup pada { $at } oleh { $by }. Penyelesaian: { $resolution }
incident-report-still-open = Insiden masih terbuka; penanganan sedang berlangsung. Laporan lanjutan akan disampaikan setelah insiden ditutup.
incident-report-closing = Demikian laporan ini disampaikan untuk memenuhi kewajiban pelaporan sebagaimana diatur dalam Pasal { $pasal }. Seluruh peristiwa di atas tercatat dalam buku besar stasiun yang bertanda tangan dan dapat diverifikasi dengan `kustodi ledger verify`.
incident-report-signature = Petugas yang mencatat,
incident-field-id = Nomor insiden
incident-field-category = Kategori
incident-field-summary = Uraian singkat
incident-field-occurred = Waktu kejadian
incident-field-recorded = Waktu pencatatan
incident-field-reported-by = Pelapor
incident-field-recorded-by = Dicatat oleh
incident-field-status = Status
incident-field-token = Token
incident-field-certificate = Sertifikat
incident-field-application = Permohonan

## Laporan
report-none = Tidak ada.
report-total = Jumlah
report-unknown-department = (perangkat daerah tidak diketahui)
report-generated = Disusun pada
report-col-item = Hal
report-col-detail = Keterangan
report-col-time = Waktu
report-col-seq = No.
report-col-event = Peristiwa
report-col-subject = Subjek
report-col-actor = Pelaku
report-col-month = Bulan
report-col-department = Perangkat Daerah
report-col-reason = Alasan
report-col-count = Jumlah
report-col-category = Kategori
report-col-asn = ASN
report-col-with = Memiliki sertifikat
report-col-without = Belum memiliki
report-col-serial = Nomor seri
report-col-name = Nama
report-col-not-after = Berlaku sampai
report-col-days-left = Sisa hari
report-metric-submitted = Diajukan
report-metric-approved = Disetujui
report-metric-rejected = Ditolak
report-metric-issued = Diterbitkan
report-metric-renewed = Diperbarui
report-metric-revoked = Dicabut
report-metric-incidents = Insiden
report-month-1 = Januari
report-month-2 = Februari
report-month-3 = Maret
report-month-4 = April
report-month-5 = Mei
report-month-6 = Juni
report-month-7 = Juli
report-month-8 = Agustus
report-month-9 = September
report-month-10 = Oktober
report-month-11 = November
report-month-12 = Desember

report-yearly-title = LAPORAN PENGAWASAN DAN EVALUASI PENYELENGGARAAN SERTIFIKAT ELEKTRONIK TAHUN { $year }
report-yearly-to = Kepada Yth.:
report-yearly-basis = Dasar: Pasal 24 Peraturan Bupati Bekasi tanggal 26 Desember 2018 tentang penyelenggaraan sertifikat elektronik di lingkungan Pemerintah Kabupaten Bekasi (laporan pengawasan dan evaluasi tahunan), dengan cakupan kepemilikan sertifikat ASN (Pasal 8 ayat (3)) dan angka untuk peta jalan (Pasal 10).
report-h-summary = 1. Ringkasan
report-summary-applications = Permohonan: { $submitted } diajukan, { $approved } disetujui, { $rejected } ditolak.
report-summary-certificates = Sertifikat: { $issued } diterbitkan, { $renewed } diperbarui, { $revoked } dicabut.
report-summary-incidents = Insiden tercatat: { $count }.
report-summary-valid = Sertifikat yang berlaku pada akhir tahun { $year }: { $count }.
report-summary-coverage = Cakupan ASN: { $with } dari { $asn } ASN memiliki sertifikat yang berlaku ({ $percent } %).
report-h-monthly = 2. Kegiatan per bulan
report-chart-issued = Sertifikat diterbitkan dan diperbarui per bulan
report-h-departments = 3. Kegiatan per perangkat daerah
report-h-revocations = 4. Pencabutan menurut alasan
report-h-incidents = 5. Insiden menurut kategori
report-h-coverage = 6. Cakupan sertifikat ASN (Pasal 8 ayat (3))
report-coverage-note = ASN menurut daftar ASN terakhir yang diimpor, dengan atau tanpa sertifikat yang berlaku pada 31 Desember { $year } pukul 24.00 WIB (diterbitkan sebelumnya, belum kedaluwarsa, tidak dicabut).
report-chart-coverage = Persentase ASN yang memiliki sertifikat
report-h-wave = 7. Gelombang kedaluwarsa untuk peta jalan (Pasal 10)
report-wave-note = Sertifikat yang berlaku pada akhir tahun { $year } (dan belum digantikan pembaruan) menurut bulan kedaluwarsanya dalam 24 bulan berikutnya: kebutuhan pembaruan yang perlu direncanakan.
report-chart-wave = Sertifikat yang kedaluwarsa per bulan
report-h-data = 8. Sumber dan catatan data
report-data-source = Semua angka dihitung dari peristiwa buku besar stasiun yang bertanda tangan (permohonan, penerbitan, pembaruan, pencabutan, insiden) dan daftar ASN; rinciannya dapat diperiksa dengan format CSV.
report-data-periods = Bulan dihitung menurut Waktu Indonesia Barat (WIB, UTC+7).
report-data-unreadable = { $count } peristiwa tidak dapat dibaca karena tidak sesuai kontrak data dan tidak dihitung (nomor urut: { $seqs }).
report-yearly-written = Laporan tahun { $year } ditulis ke { $path }.
report-unreadable-warning = Perhatian: { $count } peristiwa tidak dapat dibaca dan tidak dihitung; lihat bagian catatan data pada laporan.
report-expiry-title = Sertifikat yang kedaluwarsa dalam { $days } hari (per { $date })
report-expiry-none = Tidak ada sertifikat yang kedaluwarsa dalam jangka waktu ini.
report-expiry-written = Daftar { $count } sertifikat ditulis ke { $path }.
report-err-time = "{ $given }" bukan waktu yang sah.
report-hint-time = Tulis waktu dalam format RFC 3339, misalnya 2025-03-01T08:00:00+07:00, atau tanggal 2025-03-01.
report-err-future = Waktu kejadian { $given } berada di masa depan.
report-err-year = Tahun { $year } di luar rentang yang didukung.
report-err-format = Format { $format } tidak tersedia untuk dokumen ini.
