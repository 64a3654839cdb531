## Kustodi CLI — Bahasa Indonesia (bahasa utama)

label-error = Galat
label-hint = Yang perlu dilakukan
label-subject = Subjek
label-key-usage = Penggunaan kunci
label-eku = Penggunaan kunci lanjutan
label-san = Nama alternatif subjek
label-validity-days = Masa berlaku (hari)
label-kind = Jenis
label-name = Nama
label-department = Perangkat Daerah
label-uses = Penggunaan
label-submitted = Diajukan
label-decided = Diputuskan
label-reason = Alasan
label-documents = Dokumen

## Permohonan
app-check-valid = Permohonan { $file } lengkap dan sah.
app-check-invalid = Permohonan { $file } memiliki { $count } masalah:
app-submitted = Permohonan diterima dan dicatat dengan nomor { $id }. Dokumen pendukung disimpan terenkripsi.
app-submit-refused = Permohonan ditolak karena memiliki { $count } masalah; tidak ada yang dicatat:
app-list-empty = Belum ada permohonan.
app-approved = Permohonan { $id } disetujui.
app-rejected = Permohonan { $id } ditolak. Sampaikan alasannya kepada pemohon.
app-document-written = Dokumen { $kind } didekripsi ke { $path }; akses ini dicatat dalam buku besar.

## Buku besar (ledger)
ledger-verify-ok = Buku besar utuh: { $events } peristiwa, { $checkpoints } titik periksa bertanda tangan, kepala { $head }.
ledger-verify-against-ok = Buku besar masih memuat seluruh isi titik periksa yang diekspor dan utuh: { $events } peristiwa, { $checkpoints } titik periksa, kepala { $head }.
ledger-checkpoint-written = Titik periksa bertanda tangan ({ $events } peristiwa) ditulis ke { $path }. Serahkan kepada auditor untuk disimpan.
ledger-token-in-step = Token stasiun: titik periksa terakhirnya ({ $size } peristiwa) sama dengan basis data; basis data tidak dikembalikan ke salinan lama.
ledger-token-one-behind = Token stasiun: titik periksanya ({ $size } peristiwa) satu segel di belakang basis data ({ $events } peristiwa); stasiun berhenti antara penyimpanan dan penulisan ke token. Diterima; penulisan berikutnya memperbaruinya.
ledger-token-behind = PERINGATAN: titik periksa pada token stasiun ({ $size } peristiwa) tertinggal { $seals } segel dari basis data ({ $events } peristiwa). Penulisan ke token gagal atau folder token dipulihkan dari cadangan lama; penulisan berikutnya memperbaruinya. Jika tidak ada penulisan yang gagal, hubungi auditor.
ledger-token-missing = PERINGATAN: token stasiun belum menyimpan titik periksa (stasiun disiapkan sebelum fitur ini), jadi pengembalian basis data ke salinan lama belum dapat diperiksa. Penulisan berikutnya menyimpannya. Pada stasiun yang sudah menulis, hal ini berarti folder token diubah: hubungi auditor.
ledger-token-unavailable = PERINGATAN: token stasiun tidak dapat dibuka ({ $reason }), jadi pengembalian basis data ke salinan lama tidak diperiksa.
ledger-token-unsupported = PERINGATAN: kunci stasiun ini tidak menyimpan titik periksa di tokennya, jadi pengembalian basis data ke salinan lama tidak diperiksa.

## Profil token / Token profiles
profiles-valid = Semua { $count } profil token sah.
profiles-invalid = Profil token memiliki { $count } kesalahan; perbaiki berkas yang disebut lalu periksa lagi.

## Sandbox
sandbox-ready = Stasiun sandbox siap di { $home }.
sandbox-station-key = Kunci stasiun (P-256 pada token SoftHSM2): { $key }
sandbox-custodian = Identitas kustodian (hanya sandbox): { $path }
sandbox-examples = Contoh permohonan: { $path }
sandbox-token-created = Token baru dari stok ditambahkan ke sandbox: { $label }

## Galat
err-home-not-initialised = Folder { $path } belum berisi stasiun Kustodi.
err-home-exists = Folder { $path } sudah berisi stasiun Kustodi.
err-bad-config = Konfigurasi { $path } tidak sah: { $reason }
err-no-home = Folder stasiun tidak diketahui.
err-io = Gagal mengakses { $path }: { $reason }
err-file-not-found = Berkas { $path } tidak ditemukan.
err-read = Berkas { $path } tidak dapat dibaca: { $reason }
err-write = Berkas { $path } tidak dapat ditulis: { $reason }
err-too-large = Berkas { $path } berukuran { $size } bita, melebihi batas { $limit } bita.
err-not-found = { $what ->
    [application] Permohonan { $id } tidak ditemukan.
    [checkpoint] Titik periksa { $id } tidak ditemukan.
   *[other] Data { $what } { $id } tidak ditemukan.
}
err-schema-too-new = Basis data memakai skema versi { $found }, lebih baru daripada yang didukung program ini ({ $supported }).
err-store = Basis data gagal: { $reason }
err-corrupt-record = Catatan { $id } rusak: { $reason }
err-no-document = Permohonan { $id } tidak memiliki dokumen { $kind }.
err-profile = Profil sertifikat tidak sah: { $reason }
err-archive = Arsip terenkripsi gagal: { $reason }
err-archive-wrong-identity = Arsip { $name } tidak dapat dibuka dengan identitas kustodian ini.
err-archive-bad-identity = Berkas { $path } tidak berisi identitas kustodian (AGE-SECRET-KEY-…).
err-archive-damaged = Berkas arsip { $name } hilang atau tidak cocok dengan hash yang tercatat.
err-station-token-missing = Token kunci stasiun berlabel { $label } tidak ditemukan.
err-station-key-missing = Kunci stasiun tidak ditemukan pada token { $label }.
err-station-pin-incorrect = PIN token kunci stasiun ditolak.
err-station-pin-locked = PIN token kunci stasiun terkunci.
err-station-token = Token kunci stasiun gagal: { $reason }
err-not-sandbox = Perintah ini hanya untuk stasiun sandbox.
err-token = Token gagal: { $reason }
err-ledger-hash-mismatch = Buku besar RUSAK: isi peristiwa { $seq } tidak cocok dengan hash-nya (diubah setelah ditulis).
err-ledger-gap = Buku besar RUSAK: peristiwa { $seq } hilang; peristiwa berikutnya yang tersimpan adalah { $found } (baris dihapus).
err-ledger-out-of-order = Buku besar RUSAK: baris peristiwa { $seq } berisi peristiwa { $found } (baris dipindah atau ditukar).
err-ledger-undecodable = Buku besar RUSAK: peristiwa { $seq } tidak dapat dibaca: { $reason }
err-ledger-checkpoint-signature = Buku besar RUSAK: tanda tangan titik periksa pada { $size } peristiwa bukan milik stasiun.
err-ledger-checkpoint-mismatch = Buku besar RUSAK: kepala buku besar pada { $size } peristiwa berbeda dengan yang ditandatangani; peristiwa { $seq } sampai { $size } telah ditulis ulang.
err-ledger-truncated = Buku besar RUSAK: titik periksa mencakup { $size } peristiwa, tetapi buku besar hanya memuat { $events } (peristiwa terbaru dihapus).
err-ledger-unsealed = Buku besar RUSAK: peristiwa mulai { $seq } tidak disegel titik periksa mana pun (ditambahkan di luar stasiun).
err-ledger-unknown-key = Buku besar RUSAK: titik periksa pada { $size } peristiwa ditandatangani kunci { $key } yang bukan kunci stasiun.
err-ledger-bad-station-key = Buku besar RUSAK: kunci stasiun { $key } tidak sah atau tidak cocok dengan identitasnya.
err-ledger-shorter-than-checkpoint = Buku besar RUSAK: hanya memuat { $events } peristiwa, kurang dari { $size } pada titik periksa yang diekspor (peristiwa terbaru beserta titik periksanya dihapus).
err-ledger-head-differs = Buku besar RUSAK: kepala pada { $size } peristiwa berbeda dengan titik periksa yang diekspor (riwayat ditulis ulang).
err-ledger-bad-checkpoint-file = Berkas titik periksa tidak sah: { $reason }
err-ledger-rolled-back = Basis data DIKEMBALIKAN: hanya memuat { $events } peristiwa, padahal titik periksa pada token stasiun mencakup { $size } (salinan lama disalin ke atasnya atau peristiwa terbaru dipotong).
err-ledger-token-head-differs = Basis data DIKEMBALIKAN: peristiwa { $size } berbeda dengan titik periksa pada token stasiun (riwayat diganti setelah segel itu).
err-ledger-token-checkpoint-invalid = Titik periksa pada token stasiun tidak sah: { $reason }
err-ledger-witness-write = Perubahan sudah disimpan dan disegel di basis data, tetapi salinan titik periksa di token stasiun tidak dapat diperbarui: { $reason }

## Yang perlu dilakukan
hint-fix-form = Perbaiki berkas permohonan (JSON) sesuai docs/formats/application.md, lalu periksa lagi dengan `kustodi application check`.
hint-ledger-invalid = Jangan memakai stasiun ini untuk penerbitan. Laporkan sebagai insiden keamanan (Pasal 25) dan pulihkan basis data dari cadangan yang lolos `kustodi ledger verify`.
hint-ledger-rolled-back = Jangan memakai stasiun ini; stasiun menolak menulis. Laporkan sebagai insiden keamanan (Pasal 25) dan hubungi auditor: pulihkan basis data terbaru (yang memuat titik periksa di token), lalu jalankan lagi `kustodi ledger verify`.
hint-ledger-witness-write = Periksa token stasiun (terpasang, ruang penyimpanan), lalu jalankan `kustodi ledger verify`; perintah berikutnya yang menulis memperbarui token. Jangan mengulang perintah ini: perubahannya sudah tercatat.
hint-checkpoint-file = Gunakan berkas yang dibuat oleh `kustodi ledger checkpoint --out BERKAS`.
hint-station-key = Pastikan token kunci stasiun terpasang dan PIN-nya benar (variabel KUSTODI_STATION_PIN atau berkas PIN di konfigurasi).
hint-list = Lihat daftar dengan `kustodi application list`.
hint-upgrade = Gunakan versi Kustodi yang lebih baru.
hint-store = Periksa ruang disk dan izin berkas basis data, lalu ulangi perintah.
hint-archive-identity = Gunakan berkas identitas salah satu kustodian yang terdaftar di konfigurasi.
hint-config = Periksa config.toml di folder stasiun.
hint-sandbox-init = Buat stasiun dengan `kustodi sandbox init`, atau pilih folder dengan --home / KUSTODI_HOME.
hint-home-exists = Gunakan stasiun yang ada, atau pilih folder lain dengan --home.
hint-io = Periksa nama berkas, izin akses, dan ruang disk.
hint-profile = Perbaiki certificate-profiles.toml (lihat docs/formats/profiles.md).
hint-transition = Lihat status permohonan dengan `kustodi application show`.
hint-too-large = Gunakan berkas yang lebih kecil (pindai dokumen dengan resolusi lebih rendah).
hint-show = Lihat dokumen permohonan dengan `kustodi application show`.
hint-token = Periksa token dan modul PKCS#11, lalu ulangi.

# Catatan yang terikat pada buku besar (isu 16)
ledger-verify-records-ok = Catatan sesuai dengan buku besar: { $records } catatan dalam { $tables } tabel, { $bindings } peristiwa pengikatan.
err-record-edited = Catatan { $table } { $key } TIDAK sesuai dengan buku besar: catatan diubah setelah peristiwa { $seq } mencatatnya (kolom: { $columns }).
err-record-unrecorded = Catatan { $table } { $key } TIDAK sesuai dengan buku besar: tidak ada peristiwa buku besar yang mencatatnya (ditambahkan atau diubah di luar stasiun).
err-record-deleted = Catatan { $table } { $key } TIDAK sesuai dengan buku besar: catatan dihapus, padahal peristiwa { $seq } mencatatnya.
err-record-index = Catatan { $table } { $key } TIDAK sesuai dengan buku besar: indeks pengikatan stasiun menunjuk peristiwa { $seq }, bukan peristiwa terakhir yang mencatatnya.
err-record-binding-event = Buku besar RUSAK: pengikatan catatan dalam peristiwa { $key } tidak dapat dibaca.
hint-record-mismatch = Tidak ada tindakan yang dilakukan atas catatan ini. Jalankan `kustodi ledger verify` dan hubungi auditor; jangan gunakan stasiun ini untuk penerbitan sampai auditor memulihkan basis data dari cadangan yang lolos verifikasi.
home-permissions-tightened = Peringatan: { $path } dapat dibaca pengguna lain; hak aksesnya kini hanya untuk pemilik (folder 0700, berkas 0600).
