### Kustodi — meja layanan (kustodi-tui), Bahasa Indonesia.
### Semua teks layar meja ada di sini; pesan galat dan petunjuk dipakai bersama dari cli.ftl
### (err-*, hint-*). desk-hint-* menggantikan petunjuk bersama yang menyebut perintah CLI.

## Kepala layar
desk-header-desk = Meja
desk-header-officer = Petugas
desk-header-no-officer = belum masuk
desk-too-small = Layar terlalu kecil: perbesar terminal (minimal 80×24).

## Buku besar
desk-ledger-unknown = Buku besar: ?
desk-ledger-checking = Memeriksa buku besar…
desk-ledger-intact-short = Buku besar utuh ({ $events })
desk-ledger-damaged-short = BUKU BESAR RUSAK
desk-ledger-title = Buku besar (Pasal 27)
desk-ledger-about = Setiap perubahan di stasiun dicatat sebagai peristiwa berantai hash dan disegel dengan checkpoint yang ditandatangani kunci stasiun. Pemeriksaan menghitung ulang seluruh rantai dan setiap tanda tangan.

## Pekerjaan yang sedang berjalan
desk-busy-queue = Memuat antrean…
desk-busy-check = Memeriksa berkas permohonan…
desk-busy-submit = Mengajukan dan mencatat permohonan…
desk-busy-decide = Mencatat keputusan…
desk-busy-detail = Memuat permohonan…
desk-busy-ledger = Memeriksa buku besar…
desk-busy-tokens = Mencari token…
desk-busy-enroll = Menerbitkan ke token…

## Antrean
desk-tab-waiting = Menunggu
desk-tab-approved = Disetujui
desk-tab-rejected = Ditolak
desk-tab-all = Semua
desk-col-kind = Jenis
desk-col-status = Status
desk-col-name = Nama
desk-col-department = Instansi
desk-col-date = Diajukan
desk-queue-position = { $first }–{ $last } dari { $total }
desk-queue-empty = Belum ada permohonan di sini. Tekan n untuk permohonan baru.
desk-queue-no-match = Tidak ada permohonan yang cocok dengan “{ $search }”.
desk-kind-individual = individu
desk-kind-position = jabatan
desk-kind-system = sistem
desk-status-submitted = menunggu
desk-status-approved = disetujui
desk-status-rejected = ditolak
desk-status-issued = terbit
desk-status-withdrawn = ditarik

## Tombol
desk-key-move = pilih
desk-key-open = rincian
desk-key-new = baru
desk-key-approve = setujui
desk-key-reject = tolak
desk-key-search = cari
desk-key-search-done = selesai cari
desk-key-search-clear = hapus pencarian
desk-key-tabs = status
desk-key-ledger = buku besar
desk-key-quit = keluar
desk-key-english = English
desk-key-indonesian = Bahasa Indonesia
desk-key-cancel = batal
desk-key-send = kirim
desk-key-check = periksa
desk-key-back = kembali
desk-key-tick = centang
desk-key-submit = ajukan
desk-key-recheck = periksa ulang
desk-key-edit-path = ubah berkas
desk-key-scroll = gulir
desk-key-issue = terbitkan
desk-key-verify = periksa lagi
desk-key-choose = pilih
desk-key-refresh = cari lagi
desk-key-queue = antrean
desk-key-confirm = konfirmasi
desk-key-delete = hapus
desk-key-cancel-issue = batalkan penerbitan

## Wizard permohonan
desk-wizard-title = Permohonan baru
desk-wizard-step-path = Pilih berkas
desk-wizard-step-review = Cocokkan dokumen dan periksa
desk-wizard-path-label = Jalur berkas permohonan (JSON):
desk-wizard-path-help = Ketik jalur berkas permohonan, lalu tekan Enter. Berkas dan dokumen yang disebutnya diperiksa; belum ada yang dicatat. Jalur dokumen dihitung dari folder berkas permohonan.
desk-wizard-path-empty = Ketik dulu jalur berkas permohonan.
desk-wizard-unreadable = bukan berkas permohonan
desk-wizard-problems = { $count } masalah
desk-wizard-unticked = { $count } dokumen belum dicentang
desk-wizard-ready = siap diajukan
desk-checklist-title = Dokumen yang diperlihatkan pemohon (Pasal 11)
desk-applicant-title = Data permohonan
desk-other-problems = Masalah lain
desk-field-file = Berkas
desk-field-kind = Jenis
desk-field-name = Nama
desk-field-category = Kategori
desk-field-email = E-mail
desk-field-department = Instansi
desk-field-position = Jabatan
desk-field-system = Sistem
desk-field-dns = Nama DNS
desk-field-uses = Penggunaan
desk-field-submitted = Diajukan
desk-field-decided = Diputuskan
desk-field-reason = Alasan
desk-category-regent = Bupati
desk-category-vice_regent = Wakil Bupati
desk-category-asn = ASN
desk-category-other = lainnya
desk-submit-has-problems = Tidak dapat diajukan: berkas masih punya { $count } masalah. Perbaiki berkasnya, lalu periksa ulang (c).
desk-submit-checklist-incomplete = Tidak dapat diajukan: { $count } dokumen belum dicentang. Centang hanya dokumen asli yang benar-benar diperlihatkan pemohon.
desk-submit-unreadable = Tidak dapat diajukan: berkas ini bukan berkas permohonan.
desk-submitted = Permohonan diterima dan dicatat sebagai { $id }. Dokumen pendukung disimpan terenkripsi.

## Keputusan
desk-approve-title = Setujui { $id }
desk-approve-question = Setujui permohonan { $id } atas nama { $name }?
desk-approve-note = Setujui hanya jika identitas pemohon dan semua dokumen asli sudah Anda periksa. Keputusan dicatat di buku besar atas nama Anda.
desk-reject-title = Tolak { $id }
desk-reject-prompt = Alasan penolakan (wajib; akan disampaikan kepada pemohon):
desk-approved = Permohonan { $id } disetujui.
desk-rejected = Permohonan { $id } ditolak. Sampaikan alasannya kepada pemohon.
desk-only-waiting = Permohonan { $id } berstatus { $status }: hanya permohonan yang menunggu yang dapat diputuskan.
desk-no-officer = Petugas belum masuk: jalankan meja dengan --officer NIP (atau KUSTODI_OFFICER) agar tindakan tercatat atas nama Anda.

## Rincian
desk-detail-title = Permohonan { $id } · { $status }
desk-detail-form-unreadable = Formulir tersimpan tidak dapat dibaca.
desk-documents-title = Dokumen tersimpan (terenkripsi)

## Penerbitan
desk-issue-title = Penerbitan { $id } · { $name }
desk-issue-step-token = Token
desk-issue-step-applicant-pin = PIN pemohon
desk-issue-step-officer-pin = PIN petugas
desk-issue-step-run = Terbitkan
desk-issue-step-result = Hasil
desk-issue-needs-approval = Permohonan { $id } belum disetujui: hanya permohonan yang disetujui yang dapat diterbitkan.
desk-issue-tokens-loading = Mencari token…
desk-issue-tokens-choose = Pilih token pemohon (hanya token stok; token milik stasiun tidak ditampilkan):
desk-issue-tokens-none = Tidak ada token stok yang ditemukan.
desk-issue-tokens-none-what = Pasang token baru pemohon (token dari stok, bukan token petugas atau stasiun) lalu tekan r untuk mencari lagi. Di sandbox, buat satu dengan: kustodi sandbox token new
desk-issue-col-serial = Nomor seri
desk-issue-col-label = Label
desk-issue-col-model = Model
desk-issue-col-inventory = Inventaris
desk-issue-token-stock = stok
desk-issue-token-new = baru
desk-issue-applicant-pin-intro = Hadapkan papan ketik ke pemohon: pemohon mengetik PIN baru untuk tokennya, lalu PIN yang sama sekali lagi. Hanya pemohon yang mengetiknya; layar menampilkan • untuk setiap karakter.
desk-issue-pin-new = PIN baru
desk-issue-pin-again = Ulangi PIN baru
desk-issue-pin-officer = PIN petugas
desk-issue-pin-empty = Ketik PIN terlebih dahulu, lalu tekan Enter.
desk-issue-pin-mismatch = Kedua isian berbeda. Minta pemohon mengetik PIN baru lagi, dua kali.
desk-issue-applicant-pin-set = PIN pemohon sudah ditetapkan (tidak ditampilkan).
desk-issue-officer-pin-intro = Petugas: ketik PIN token petugas Anda ([officer] default_token yang dikonfigurasi). PIN ini untuk masuk dan menandatangani tanda terima.
desk-issue-officer-pin-wrong = Token petugas menolak PIN. Ketik lagi dengan cermat.
desk-issue-officer-pin-wrong-left = Token petugas menolak PIN: sisa { $count } percobaan sebelum terkunci. Ketik lagi dengan cermat.
desk-issue-officer-pin-wrong-final = Token petugas menolak PIN: tinggal satu percobaan sebelum terkunci. Jangan menebak.
desk-issue-running = Menerbitkan: petugas masuk, kunci dibangkitkan di dalam token, sertifikat dari CA, tanda terima ditandatangani petugas.
desk-issue-running-keep = Jangan cabut token sampai hasilnya tampil.
desk-issue-done = Terbit. Sertifikat sudah di dalam token dan tanda terima sudah ditandatangani.
desk-issue-done-notice = Permohonan { $id } terbit: sertifikat { $serial }.
desk-issue-field-certificate = Nomor seri sertifikat
desk-issue-field-token = Token
desk-issue-field-receipt = Tanda terima
desk-issue-field-session = Sesi
desk-issue-field-ticket = Tiket
desk-issue-field-csr = Berkas CSR
desk-issue-handover = Serahkan token kepada pemohon beserta tanda terima tercetak, dan ingatkan agar PIN tidak diberitahukan kepada siapa pun.
desk-issue-parked = Permintaan sertifikat dikirim ke CA luring. Sesi menunggu sertifikatnya.
desk-issue-parked-next = Setelah sertifikat dari CA tiba, jalankan: kustodi certificate import BERKAS --session { $session }
desk-issue-failed-session = Penerbitan berhenti di tengah jalan; sesi { $session } masih terbuka. Pasang kembali token dan tekan c: tab Terputus (6) melanjutkan atau membatalkannya (atau: kustodi session resume { $session }).
desk-issue-failed-nothing = Belum ada penerbitan yang dimulai untuk permohonan ini; tekan Enter untuk kembali ke antrean.
desk-err-tokens = Token tidak dapat didaftar: { $reason }
desk-hint-tokens = Pastikan pembaca token dan modul PKCS#11 stasiun berfungsi (kustodi token list), lalu tekan r.
desk-hint-enrol-officer = Isi [officer] default_token di config.toml dengan URI token petugas Anda, lalu jalankan meja lagi.
desk-hint-enrol-token = Pilih token lain dari stok: Esc, lalu i pada permohonan itu lagi.
desk-hint-enrol-token-failed = Pastikan token terpasang dengan benar.

## Galat meja
desk-err-terminal = Terminal tidak dapat dipakai: { $reason }
desk-hint-terminal = Jalankan kustodi-tui di terminal interaktif berukuran minimal 80×24.
desk-err-worker-gone = Proses latar meja berhenti; tindakan terakhir mungkin tidak tercatat.
desk-hint-restart = Keluar (q) dan jalankan kustodi-tui lagi; periksa buku besar setelahnya.

## Petunjuk bersama dalam kata-kata meja
desk-hint-list = Lihat antrean (Esc) dan pilih permohonan yang ada.
desk-hint-transition = Buka rincian permohonan (Enter di antrean) untuk melihat statusnya.
desk-hint-show = Buka rincian permohonan (Enter di antrean) untuk melihat dokumennya.
desk-hint-fix-form = Perbaiki berkas permohonan (JSON) seperti dijelaskan di docs/formats/application.md, lalu periksa ulang (c).

## Sesi penerbitan di antrean (Diparkir, Terputus)
desk-tab-parked = Diparkir
desk-tab-interrupted = Terputus
desk-busy-sessions = Membaca sesi penerbitan…
desk-busy-abort = Membatalkan sesi: menghapus kunci setengah jadi dari token…
desk-col-session = Sesi
desk-col-step = Berhenti di
desk-col-updated = Perubahan
desk-session-step = { $step } ({ $phase ->
    [before] sedang
   *[after] selesai
})
desk-sessions-none-parked = Tidak ada penerbitan yang menunggu CA luring.
desk-sessions-none-interrupted = Tidak ada penerbitan yang berhenti di tengah jalan.
desk-session-parked-what = Sesi { $session } menunggu sertifikat dari CA luring (tiket { $ticket }). Setelah tiba: kustodi certificate import BERKAS --session { $session }
desk-key-resume = lanjutkan atau batalkan
desk-key-identity-ok = orang yang sama
desk-key-identity-wrong = bukan orangnya
desk-key-agree = pemohon setuju
desk-key-disagree = pemohon menolak
desk-key-algorithm = algoritme
desk-key-continue = lanjutkan
desk-key-abort-session = batalkan
desk-key-continue-later = ke tab Terputus

## Penerbitan: identitas dan perjanjian
desk-issue-step-identity = Identitas
desk-issue-step-agreement = Perjanjian
desk-issue-identity-intro = Dengan pemohon di hadapan Anda, cocokkan KTP-nya (dan SK untuk jabatan) dengan permohonan yang disetujui di bawah ini (Pasal 14(4)).
desk-issue-identity-documents = Dokumen tersimpan
desk-issue-identity-question = Apakah orang di hadapan Anda adalah pemohon yang tercantum di atas? y = ya, n = tidak.
desk-issue-identity-mismatch = Penerbitan { $id } dihentikan: orang yang hadir bukan pemohon. Tidak ada yang dimulai. Minta pemohon yang tercantum dalam permohonan datang sendiri, atau tolak permohonannya.
desk-issue-agreement-intro = Pemohon membaca perjanjian ini sampai selesai (Pasal 14(5)).
desk-issue-agreement-position = baris { $first }–{ $last } dari { $total }
desk-issue-agreement-read = sudah dibaca sampai akhir: y = pemohon setuju
desk-issue-agreement-more = gulir terus (↓, PgDn, End) sampai akhir sebelum y
desk-issue-agreement-read-first = Pemohon belum melihat seluruh perjanjian: gulir sampai akhir (End), lalu tekan y.
desk-issue-agreement-declined = Penerbitan { $id } dihentikan: pemohon tidak menyetujui perjanjian pemilik sertifikat. Tidak ada yang dimulai; tanpa persetujuan tidak ada sertifikat yang diterbitkan.

## Penerbitan: penilaian token dan PIN pemohon
desk-issue-algorithm = Algoritme kunci
desk-issue-algorithm-change = a untuk mengganti
desk-issue-col-verdict = Penilaian
desk-verdict-allowed = diizinkan
desk-verdict-warnings = peringatan
desk-verdict-refused = ditolak
desk-verdict-unsupported = Firmware ini tidak dapat membuat kunci { $algorithm }; yang dapat dibuat: { $supported }. Tekan a untuk algoritme lain.
desk-issue-token-refused = Token { $serial } ditolak untuk { $algorithm } (lihat alasannya di bawah). Pilih token lain, atau tekan a untuk algoritme lain.
desk-issue-look-away = Petugas: mohon memalingkan pandangan selama pemohon mengetik.
desk-issue-pin-policy = Aturan PIN token ini: { $min } sampai { $max } karakter, { $charset }.
desk-pin-charset-digits = hanya angka
desk-pin-charset-alnum = huruf dan angka
desk-pin-charset-any = karakter apa saja
desk-issue-pin-strength = Kekuatan
pin-strength-weak = lemah: hindari pengulangan dan urutan seperti 123456
pin-strength-fair = cukup
pin-strength-strong = kuat
desk-issue-pin-current = PIN token

## Melanjutkan atau membatalkan sesi yang terputus
desk-resume-intro = Penerbitan ini berhenti di tengah jalan. Pasang tokennya, lalu lanjutkan dari titik berhentinya atau batalkan.
desk-resume-continue = lanjutkan: pemohon mengetik PIN-nya, lalu Anda mengetik PIN Anda; langkah yang sudah selesai tidak diulang.
desk-resume-abort = batalkan: kunci setengah jadi dihapus dari token, sertifikat yang sudah terbit dicabut, dan token kembali ke keadaan sebelumnya.
desk-resume-token-in = Token { $serial } harus terpasang di pembaca.
desk-resume-field-stopped = Berhenti di
desk-resume-pin-intro = Hadapkan papan ketik ke pemohon: pemohon mengetik PIN yang sudah dipasang di tokennya, sekali.
desk-resume-pin-intro-abort = Untuk menghapus kunci setengah jadi, token memerlukan PIN pemohon: pemohon mengetiknya, sekali.
desk-resume-aborted = Sesi { $session } telah dibatalkan.
desk-resume-aborted-notice = Sesi { $session } dibatalkan dan dicatat di buku besar.
desk-resume-aborted-next = Permohonan tetap disetujui: mulai penerbitan baru dari rinciannya (i) bila pemohon siap.
desk-resume-field-objects = Objek dihapus
desk-resume-field-token-state = Keadaan token
desk-resume-field-revoked = Sertifikat dicabut

## Masuk petugas dan kunci (Pasal 21)
desk-sign-in-title = Masuk petugas
desk-locked-idle = Meja terkunci otomatis karena lama tidak ada tombol ditekan
desk-locked-manual = Meja terkunci
desk-sign-in-intro = Pasang token petugas Anda dan ketik PIN-nya. Meja memeriksa sertifikat petugas Anda dan meminta token Anda menandatangani tantangan baru sebelum terbuka.
desk-sign-in-again = Masuk sebagai: { $name } ({ $id }). Ketik PIN token petugas Anda untuk melanjutkan dari posisi terakhir; PIN yang diketik sebelum terkunci sudah dilupakan.
desk-sign-in-sandbox = Sandbox: PIN petugas contoh ada di { $file }
desk-busy-sign-in = Memeriksa token petugas…
desk-signed-in = Selamat datang, { $name }. Meja terkunci sendiri bila lama tidak digunakan (Ctrl-L mengunci sekarang).
desk-key-sign-in = masuk
desk-issue-field-fingerprint = SHA-256 tanda terima
desk-issue-field-exported = Ditulis ke
desk-key-export = tulis tanda terima untuk dicetak
desk-busy-export = Menulis tanda terima…
desk-receipt-exported = Tanda terima { $id } diperiksa dan ditulis: halaman .txt untuk dicetak, .p7s adalah tanda terima bertanda tangan untuk pemohon.
desk-run-sign-in = Petugas masuk…
desk-run-recognise = Mengenali token
desk-run-initialise = Menginisialisasi token
desk-run-set_pin = Memasang PIN pemohon
desk-run-keygen = Membangkitkan kunci di token
desk-run-attestation = Atestasi
desk-run-csr = Permintaan sertifikat (CSR)
desk-run-ca = Sertifikat dari CA
desk-run-certcheck = Memeriksa sertifikat
desk-run-install = Menulis ke token
desk-run-receipt = Menandatangani tanda terima
desk-run-supersede = Menggantikan sertifikat lama
desk-run-finish = Mencatat penerbitan
