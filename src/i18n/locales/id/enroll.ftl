## Penerbitan sertifikat di loket (Pasal 14) — Bahasa Indonesia

sandbox-ca = CA tertanam (kunci P-256 pada token { $token }); sertifikat akar: { $path }
sandbox-officer = Token petugas { $token } untuk petugas { $id } dengan sertifikat dari CA tertanam.
sandbox-officer-pin = PIN token petugas (hanya sandbox, ditampilkan sekali ini saja; catat sekarang): { $pin }

enroll-prompt-applicant-pin = Pemohon, masukkan PIN baru untuk token Anda:
enroll-prompt-applicant-pin-again = Pemohon, masukkan PIN yang sama sekali lagi:
enroll-prompt-applicant-pin-once = Pemohon, masukkan PIN token Anda:
enroll-prompt-officer-pin = Petugas, masukkan PIN token petugas Anda:
enroll-pin-mismatch-retry = Kedua PIN berbeda. Silakan ulangi.
enroll-warning = Peringatan token: { $advisory }
enroll-done = Penerbitan selesai (sesi { $session }): sertifikat { $serial } terpasang pada token { $token }; tanda terima { $receipt }; permohonan { $id } berstatus terbit.
enroll-parked = Permintaan sertifikat dikirim ke CA luring; sesi { $session } menunggu. Berkas CSR: { $csr }. Tiket: { $ticket }.
enroll-parked-next = Setelah sertifikat diterima dari CA, jalankan: kustodi certificate import BERKAS --session { $session }

session-list-empty = Belum ada sesi penerbitan.
session-aborted = Sesi { $session } dibatalkan: { $objects } objek dihapus dari token; status token di inventaris: { $state }.
session-aborted-revoked = Sertifikat { $serial } yang sudah diterbitkan untuk kunci yang dihapus telah dicabut.
session-csr-written = CSR sesi { $session } ditulis ke { $path }.

ca-cert-written = Sertifikat CA ditulis ke { $path }.
cert-exported = Sertifikat { $serial } ditulis ke { $path }.
receipt-exported = Tanda terima { $id } ditulis ke { $path }.
receipt-verify-ok = Tanda terima { $id } sah: kedua tanda tangan (petugas { $officer } dan pemohon { $applicant }) terverifikasi, sertifikat berantai ke CA tepercaya, dan sidik jari { $sha256 } tercatat dalam buku besar.

err-enrol-not-approved = Permohonan { $id } berstatus { $status }; hanya permohonan yang sudah disetujui dapat diterbitkan sertifikatnya.
hint-enrol-approve = Verifikasi dan setujui permohonan dulu dengan `kustodi application approve ID`.
err-enrol-session-open = Permohonan { $id } masih memiliki sesi penerbitan terbuka { $session }.
hint-enrol-session = Lanjutkan dengan `kustodi session resume { $session }` atau batalkan dengan `kustodi session abort { $session }`.
err-enrol-token-not-stock = Token { $serial } tercatat berstatus { $state }; hanya token dari stok yang dapat dipakai.
hint-enrol-token = Gunakan token baru dari stok; lihat status token dengan `kustodi session list`.
err-enrol-token-refused = Model token { $profile } ditolak untuk algoritma { $algorithm }: { $reasons }
hint-enrol-refused = Gunakan model token lain atau algoritma lain yang diizinkan; penolakan ini tercatat dalam buku besar.
err-enrol-factory-so-pin = PIN SO bawaan pabrik untuk model token { $profile } tidak diketahui stasiun.
hint-enrol-factory = Tambahkan nilai bawaan pada profil token (firmware-profiles) atau reset token sesuai petunjuk vendor.
err-enrol-pin-policy = PIN baru pemohon tidak memenuhi aturan token: { $reason }
err-enrol-pin-mismatch = Kedua isian PIN pemohon berbeda.
hint-enrol-pin = Minta pemohon memasukkan PIN baru yang sesuai aturan token, dua kali dengan isi yang sama.
err-enrol-officer-pin = Token petugas menolak PIN. { $retries }
hint-enrol-officer-pin = Periksa PIN token petugas Anda. Jangan menebak: token terkunci setelah beberapa kali salah.
err-enrol-officer-pin-locked = PIN token petugas terkunci.
hint-enrol-officer-locked = Hubungi kustodian untuk membuka kunci token petugas dengan PIN SO yang dititipkan.
err-enrol-no-officer-token = Token petugas belum ditentukan.
hint-enrol-officer = Berikan --officer-token URI atau isi [officer] default_token pada config.toml.
err-enrol-officer-key-missing = Token petugas { $uri } tidak memuat kunci penandatanganan dan sertifikat petugas.
err-enrol-officer-cert = Sertifikat petugas tidak dapat diterima: { $reason }
hint-enrol-officer-cert = Pastikan token petugas yang dipasang benar dan sertifikatnya diterbitkan oleh CA stasiun.
err-enrol-no-ca = Stasiun belum memiliki bagian [ca] pada config.toml.
hint-enrol-ca = Atur CA (tertanam atau luring) pada config.toml; sandbox baru sudah memilikinya.
err-enrol-roca = Kunci RSA yang dibuat token memiliki kelemahan ROCA (CVE-2017-15361); kunci dihapus dan penolakan dicatat.
hint-enrol-roca = Jangan gunakan token ini untuk RSA; pakai kunci EC (p256) atau model token lain.
err-enrol-token = Token gagal: { $reason }
hint-enrol-token-failed = Periksa apakah token terpasang dengan benar, lalu lanjutkan sesi dengan `kustodi session resume`.
err-enrol-applicant-pin = Token pemohon menolak PIN: { $reason }
hint-enrol-applicant-pin = Minta pemohon memasukkan PIN tokennya dengan benar.
err-enrol-ca = CA menolak atau gagal: { $reason }
hint-enrol-ca-failed = Periksa konfigurasi CA dan token CA; sesi dapat dilanjutkan setelah diperbaiki.
err-enrol-check = Sertifikat tidak dipasang: { $reason }
hint-enrol-check = Tidak ada yang dicatat sebagai terbit. Minta sertifikat yang benar dari CA lalu impor lagi.
err-enrol-csr = CSR tidak dapat dibuat: { $reason }
err-enrol-receipt = Tanda terima tidak sah atau tidak dapat dibuat: { $reason }
hint-enrol-receipt = Periksa berkas tanda terima dan rantai sertifikatnya.
err-enrol-receipt-not-in-ledger = Sidik jari tanda terima { $sha256 } tidak tercatat dalam buku besar stasiun ini.
hint-enrol-receipt-ledger = Tanda terima ini bukan dari stasiun ini atau telah diubah.
err-enrol-session-state = Sesi { $id } berstatus { $status }: { $what }
hint-enrol-session-list = Lihat semua sesi dengan `kustodi session list`.
err-enrol-no-parked = Tidak ada sesi yang menunggu sertifikat untuk kunci ini; sertifikat tersebut untuk kunci lain.
hint-enrol-import = Pastikan berkas berasal dari permintaan yang benar; gunakan --session ID.
err-enrol-profiles = Profil token tidak dapat dimuat: { $reason }
err-enrol-corrupt-session = Data sesi { $id } rusak: { $reason }
err-enrol-file = Berkas { $path } tidak dapat dibaca: { $reason }
err-enrol-pin-input = PIN tidak dapat dibaca: { $reason }
hint-enrol-pin-input = Masukkan PIN dari terminal, atau dengan --pin-stdin berikan PIN pemohon lalu PIN petugas, masing-masing satu baris.
err-enrol-archive = Penitipan rahasia gagal: { $reason }

bench-enroll-result = { $count } penerbitan { $algorithm }: Kustodi { $kustodi } s/penerbitan, cara manual { $manual } s/penerbitan, rasio { $ratio }.
