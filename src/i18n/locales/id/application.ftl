### Kustodi — permohonan sertifikat elektronik (Bahasa Indonesia, bahasa bawaan).
### Kunci pesan: problem-<kode dengan titik diganti tanda hubung>, form-error-*, transition-error-*.
### Pesan application-*-name adalah potongan yang dipakai oleh pesan lain.

## Potongan nama (memakai argumen pesan pemanggil)

application-document-name = { $document ->
    [cover_letter] surat pengantar
    [recommendation] surat rekomendasi
    [ktp_scan] pindaian e-KTP
    [appointment_decree] SK pengangkatan dalam jabatan
    [delegation_letter] surat pendelegasian wewenang
   *[other] { $document }
}
application-kind-name = { $kind ->
    [individual] sertifikat individu
    [position] sertifikat jabatan
    [system] sertifikat sistem elektronik
   *[other] { $kind }
}
application-use-name = { $use ->
    [signature] tanda tangan elektronik
    [email] pengamanan email
    [document] pengamanan dokumen
    [tls_server] server TLS (HTTPS)
    [tls_client] autentikasi klien TLS
   *[other] { $use }
}

## NIK

problem-nik-missing = NIK belum diisi. Isi NIK pemohon sesuai e-KTP (16 digit angka).
problem-nik-length = NIK harus terdiri dari { $expected } digit angka, sedangkan yang diisi { $length } karakter. Salin kembali NIK dari e-KTP pemohon.
problem-nik-not_digits = NIK hanya boleh berisi angka 0–9. Hapus huruf, spasi, titik, atau tanda baca lain.
problem-nik-province_unknown = Kode provinsi { $province } pada dua digit pertama NIK tidak dikenal. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-regency_zero = Kode kabupaten/kota pada NIK (digit ke-3 dan ke-4) tidak boleh 00. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-district_zero = Kode kecamatan pada NIK (digit ke-5 dan ke-6) tidak boleh 00. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-day_invalid = Tanggal lahir pada NIK ({ $day }) tidak sah: harus 01–31 untuk laki-laki atau 41–71 untuk perempuan. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-month_invalid = Bulan lahir pada NIK ({ $month }) tidak sah: harus 01–12. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-date_invalid = Tanggal lahir pada NIK ({ $date }) tidak ada dalam kalender. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-birth_in_future = Tanggal lahir pada NIK ({ $date }) jatuh setelah hari ini. Periksa kembali NIK pada e-KTP pemohon.
problem-nik-serial_zero = Nomor urut pada NIK (empat digit terakhir) tidak boleh 0000. Periksa kembali NIK pada e-KTP pemohon.

## NIP

problem-nip-missing = NIP belum diisi, padahal wajib bagi pemohon ASN. Isi NIP (18 digit angka) sesuai SK pengangkatan.
problem-nip-length = NIP harus terdiri dari { $expected } digit angka, sedangkan yang diisi { $length } karakter. Salin kembali NIP dari SK pengangkatan atau kartu pegawai.
problem-nip-not_digits = NIP hanya boleh berisi angka 0–9. Hapus huruf, spasi, atau tanda baca lain.
problem-nip-birth_date_invalid = Tanggal lahir pada NIP ({ $date }, format TTTTBBHH) tidak ada dalam kalender. Periksa kembali delapan digit pertama NIP.
problem-nip-birth_too_early = Tahun lahir pada NIP ({ $year }) lebih awal dari { $min }. Periksa kembali delapan digit pertama NIP.
problem-nip-birth_in_future = Tanggal lahir pada NIP ({ $date }) jatuh setelah hari ini. Periksa kembali delapan digit pertama NIP.
problem-nip-appointment_month_invalid = Bulan TMT CPNS pada NIP ({ $month }, digit ke-13 dan ke-14) tidak sah: harus 01–12. Periksa kembali NIP.
problem-nip-appointment_in_future = TMT CPNS pada NIP ({ $appointment }) jatuh setelah bulan ini. Periksa kembali NIP; permohonan baru dapat diajukan setelah TMT CPNS.
problem-nip-appointment_before_age_18 = TMT CPNS pada NIP ({ $appointment }) lebih awal dari usia 18 tahun pemohon (lahir { $birth }). Periksa kembali NIP.
problem-nip-gender_invalid = Kode jenis kelamin pada NIP (digit ke-15: { $digit }) harus 1 untuk laki-laki atau 2 untuk perempuan. Periksa kembali NIP.
problem-nip-serial_zero = Nomor urut pada NIP (tiga digit terakhir) tidak boleh 000. Periksa kembali NIP.

## Kesesuaian NIK dan NIP

problem-identity-birth_date_mismatch = Tanggal lahir pada NIK ({ $nik_birth }) tidak sama dengan tanggal lahir pada NIP ({ $nip_birth }). Pastikan NIK dan NIP milik orang yang sama, lalu perbaiki yang salah.
problem-identity-gender_mismatch = Jenis kelamin pada NIK ({ $nik_gender ->
        [female] perempuan
       *[male] laki-laki
    }) tidak sama dengan jenis kelamin pada NIP ({ $nip_gender ->
        [female] perempuan
       *[male] laki-laki
    }). Pastikan NIK dan NIP milik orang yang sama, lalu perbaiki yang salah.

## Data pemohon

problem-name-missing = Nama pemohon belum diisi. Isi nama lengkap sesuai e-KTP.
problem-name-too_long = Nama pemohon terlalu panjang ({ $length } karakter; paling banyak { $max }). Tulis nama tanpa gelar atau singkat sesuai ketentuan.
problem-name-control_chars = Nama pemohon mengandung karakter kontrol (misalnya baris baru atau tab). Tulis nama dalam satu baris.
problem-name-no_letter = Nama pemohon tidak mengandung huruf. Isi nama lengkap sesuai e-KTP.
problem-email-missing = Alamat email belum diisi. Isi alamat email dinas pemohon.
problem-email-invalid = Alamat email “{ $email }” tidak sah. Gunakan bentuk nama@dinas.bekasikab.go.id, tanpa spasi dan tanpa huruf non-ASCII.
problem-email-domain_not_official = Alamat email memakai domain { $domain }, yang bukan domain resmi ({ $official }). Gunakan alamat email dinas.
problem-department-missing = Perangkat daerah (unit kerja) belum diisi. Isi nama perangkat daerah tempat pemohon bertugas.
problem-department-too_long = Nama perangkat daerah terlalu panjang ({ $length } karakter; paling banyak { $max }). Gunakan nama resmi atau singkatan resminya.
problem-department-control_chars = Nama perangkat daerah mengandung karakter kontrol. Tulis nama dalam satu baris.
problem-position_title-missing = Nama jabatan belum diisi, padahal wajib untuk sertifikat jabatan. Isi nama jabatan sesuai SK pengangkatan.
problem-position_title-too_long = Nama jabatan terlalu panjang ({ $length } karakter; paling banyak { $max }). Gunakan nama jabatan resmi atau singkatan resminya.
problem-position_title-control_chars = Nama jabatan mengandung karakter kontrol. Tulis nama jabatan dalam satu baris.
problem-position_title-not_applicable = Nama jabatan hanya diisi untuk sertifikat jabatan, bukan untuk { application-kind-name }. Hapus isian jabatan atau ubah jenis sertifikat.

## Sistem elektronik

problem-system-missing = Data sistem elektronik belum diisi, padahal wajib untuk sertifikat sistem elektronik. Isi nama sistem dan paling sedikit satu nama DNS.
problem-system-not_applicable = Data sistem elektronik hanya diisi untuk sertifikat sistem elektronik, bukan untuk { application-kind-name }. Hapus bagian sistem atau ubah jenis sertifikat.
problem-system-name_missing = Nama sistem elektronik belum diisi. Isi nama resmi sistem atau aplikasi.
problem-system-name_too_long = Nama sistem elektronik terlalu panjang ({ $length } karakter; paling banyak { $max }). Gunakan nama yang lebih singkat.
problem-system-name_control_chars = Nama sistem elektronik mengandung karakter kontrol. Tulis nama dalam satu baris.
problem-system-dns_names_missing = Belum ada nama DNS untuk sistem elektronik. Isi paling sedikit satu nama DNS, misalnya layanan.bekasikab.go.id.
problem-dns-empty = Nama DNS kosong. Isi nama DNS atau hapus baris tersebut.
problem-dns-too_long = Nama DNS terlalu panjang ({ $length } karakter; paling banyak { $max }). Gunakan nama yang lebih pendek.
problem-dns-label_empty = Nama DNS “{ $name }” mengandung bagian kosong (titik di awal, di akhir, atau dua titik berurutan). Hapus titik yang berlebih.
problem-dns-label_too_long = Bagian “{ $label }” pada nama DNS terlalu panjang ({ $length } karakter; paling banyak { $max }). Perpendek bagian tersebut.
problem-dns-label_invalid_chars = Bagian “{ $label }” pada nama DNS mengandung karakter yang tidak diizinkan. Gunakan hanya huruf a–z, angka 0–9, dan tanda hubung; tulis tanpa https:// dan tanpa garis miring; nama beraksara non-Latin ditulis dalam bentuk punycode (xn--…).
problem-dns-label_hyphen_edge = Bagian “{ $label }” pada nama DNS tidak boleh diawali atau diakhiri tanda hubung. Perbaiki nama DNS tersebut.
problem-dns-wildcard = Nama DNS berbintang (wildcard) “{ $name }” tidak diizinkan. Sebutkan setiap nama host satu per satu.
problem-dns-numeric_tld = “{ $name }” tampak seperti alamat IP, bukan nama DNS. Gunakan nama DNS di bawah domain resmi.
problem-dns-not_official = Nama DNS “{ $name }” tidak berada di bawah domain resmi ({ $official }). Gunakan nama DNS di bawah domain resmi pemerintah daerah.
problem-dns-duplicate = Nama DNS “{ $name }” disebut lebih dari sekali. Hapus salah satunya.

## Penggunaan sertifikat

problem-uses-empty = Penggunaan sertifikat belum dipilih untuk { application-kind-name }. Pilih paling sedikit satu penggunaan.
problem-uses-duplicate = Penggunaan “{ application-use-name }” dipilih lebih dari sekali. Hapus salah satunya.
problem-uses-not_allowed = Penggunaan “{ application-use-name }” tidak diizinkan untuk { application-kind-name }. Hapus penggunaan tersebut atau ubah jenis sertifikat.

## Dokumen persyaratan

problem-document-missing = Dokumen { application-document-name } belum dilampirkan, padahal wajib untuk jenis sertifikat ini. Lampirkan dokumen tersebut.
problem-document-not_applicable = Dokumen { application-document-name } tidak diperlukan untuk { application-kind-name }. Hapus dokumen tersebut dari permohonan.
problem-document-number_missing = Nomor { application-document-name } belum diisi. Isi nomor surat sesuai yang tertera pada dokumen.
problem-document-number_too_long = Nomor { application-document-name } terlalu panjang (paling banyak { $max } karakter) atau mengandung karakter kontrol. Salin nomor surat persis seperti pada dokumen.
problem-document-date_missing = Tanggal { application-document-name } belum diisi. Isi tanggal surat dengan format TTTT-BB-HH, misalnya 2026-11-02.
problem-document-date_invalid = Tanggal { application-document-name } (“{ $date }”) tidak sah. Gunakan format TTTT-BB-HH dengan tanggal yang ada dalam kalender, misalnya 2026-11-02.
problem-document-date_in_future = Tanggal { application-document-name } ({ $date }) jatuh setelah hari ini ({ $today }). Periksa kembali tanggal surat.
problem-document-file_required = Berkas { application-document-name } belum disebutkan. Isi lokasi berkas hasil pindaian, relatif terhadap folder permohonan.
problem-document-file_outside = Lokasi berkas “{ $path }” berada di luar folder permohonan. Salin berkas ke dalam folder permohonan dan tulis lokasinya tanpa “..” dan tanpa garis miring di awal.
problem-document-file_missing = Berkas “{ $path }” tidak ditemukan. Periksa nama dan lokasi berkas di dalam folder permohonan.
problem-document-file_unreadable = Berkas “{ $path }” tidak dapat dibaca. Periksa hak akses berkas atau salin ulang berkas tersebut.
problem-document-file_symlink = Berkas “{ $path }”, atau salah satu folder di jalurnya, adalah tautan simbolik. Tautan tidak diikuti: salin berkas aslinya ke dalam folder permohonan.
problem-document-file_not_regular = “{ $path }” bukan berkas biasa (melainkan folder, pipa, atau perangkat). Tulis lokasi berkas hasil pindaian itu sendiri.
problem-document-file_too_large = Berkas “{ $path }” melebihi batas ukuran { $limit }. Pindai ulang dengan resolusi lebih rendah atau kompres berkas tersebut.

## Kesalahan berkas permohonan (tidak dapat dibaca sebagai formulir)

form-error-empty = Berkas permohonan kosong. Pilih berkas permohonan yang benar.
form-error-not_utf8 = Berkas permohonan bukan teks UTF-8 (bita pertama yang salah pada posisi { $offset }). Simpan ulang berkas dengan pengodean UTF-8.
form-error-syntax = Baris { $line }, kolom { $column }: penulisan JSON tidak sah. Periksa tanda kutip, koma, dan kurung pada posisi tersebut. (Rincian teknis: { $detail })
form-error-truncated = Baris { $line }, kolom { $column }: berkas permohonan berakhir sebelum waktunya. Lengkapi kurung kurawal atau tanda kutip penutup. (Rincian teknis: { $detail })
form-error-unknown_key = Baris { $line }, kolom { $column }: isian “{ $key }” tidak dikenal. Hapus isian tersebut atau perbaiki penulisannya. (Rincian teknis: { $detail })
form-error-missing_key = Baris { $line }, kolom { $column }: isian wajib “{ $key }” tidak ada. Tambahkan isian tersebut. (Rincian teknis: { $detail })
form-error-duplicate_key = Baris { $line }, kolom { $column }: isian “{ $key }” ditulis lebih dari sekali. Hapus salah satunya. (Rincian teknis: { $detail })
form-error-unknown_value = Baris { $line }, kolom { $column }: nilai “{ $value }” tidak dikenal. Gunakan salah satu nilai yang tercantum dalam rincian teknis. (Rincian teknis: { $detail })
form-error-wrong_type = Baris { $line }, kolom { $column }: jenis nilai salah, misalnya angka yang seharusnya teks dalam tanda kutip. Perbaiki nilai tersebut. (Rincian teknis: { $detail })
form-error-invalid = Baris { $line }, kolom { $column }: nilai tidak sah. Perbaiki nilai tersebut. (Rincian teknis: { $detail })

## Perubahan status permohonan

transition-error-not_allowed = Status permohonan tidak dapat diubah dari “{ $from ->
        [submitted] diajukan
        [approved] disetujui
        [rejected] ditolak
        [issued] diterbitkan
        [withdrawn] ditarik kembali
       *[other] { $from }
    }” menjadi “{ $to ->
        [submitted] diajukan
        [approved] disetujui
        [rejected] ditolak
        [issued] diterbitkan
        [withdrawn] ditarik kembali
       *[other] { $to }
    }”. Periksa status permohonan saat ini sebelum melanjutkan.
transition-error-reason_missing = Alasan penolakan belum diisi. Tuliskan alasan penolakan agar pemohon dapat memperbaiki permohonannya.
transition-error-reason_too_short = Alasan penolakan terlalu singkat ({ $length } karakter; paling sedikit { $min }). Tuliskan alasan yang jelas.
transition-error-reason_too_long = Alasan penolakan terlalu panjang ({ $length } karakter; paling banyak { $max }). Persingkat alasan penolakan.
transition-error-reason_control_chars = Alasan penolakan mengandung karakter kontrol yang tidak diizinkan. Tulis ulang alasan sebagai teks biasa.
