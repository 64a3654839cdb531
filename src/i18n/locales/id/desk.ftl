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

## Penerbitan (belum tersedia)
desk-issue-title = Penerbitan { $id } · { $name }
desk-issue-not-yet = Langkah penerbitan belum tersedia di versi ini. Urutannya:
desk-issue-step-token = Token: pasang dan kenali token pemohon
desk-issue-step-passphrase = Frasa sandi: pemohon menetapkan PIN
desk-issue-step-keygen = Pembangkitan kunci di dalam token
desk-issue-step-ca = Permintaan sertifikat ke CA
desk-issue-step-receipt = Tanda terima ditandatangani petugas dan pemohon
desk-issue-needs-approval = Permohonan { $id } belum disetujui: hanya permohonan yang disetujui yang dapat diterbitkan.

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
