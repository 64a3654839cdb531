//! Minimal BER-TLV reading/writing for the few PIV structures the adapter inspects.

/// One TLV element: tag (1–3 bytes, as read) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
}

/// Parses one TLV at the start of `data`; returns it and the rest.
pub fn parse_one(data: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&first, mut rest) = data.split_first()?;
    let mut tag = u32::from(first);
    if first & 0x1f == 0x1f {
        loop {
            let (&b, r) = rest.split_first()?;
            rest = r;
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 || tag > 0x00ff_ffff {
                break;
            }
        }
    }
    let (&l0, r) = rest.split_first()?;
    rest = r;
    let len = match l0 {
        0..=0x7f => usize::from(l0),
        0x81 => {
            let (&b, r) = rest.split_first()?;
            rest = r;
            usize::from(b)
        }
        0x82 => {
            if rest.len() < 2 {
                return None;
            }
            let l = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            rest = &rest[2..];
            l
        }
        0x83 => {
            if rest.len() < 3 {
                return None;
            }
            let l = (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
            rest = &rest[3..];
            l
        }
        _ => return None,
    };
    if rest.len() < len {
        return None;
    }
    Some((Tlv { tag, value: &rest[..len] }, &rest[len..]))
}

/// Parses a sequence of TLVs; `None` if any is malformed.
pub fn parse_all(mut data: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (tlv, rest) = parse_one(data)?;
        out.push(tlv);
        data = rest;
    }
    Some(out)
}

/// Value of the first TLV with `tag` in `data` (top level only).
pub fn find(data: &[u8], tag: u32) -> Option<&[u8]> {
    parse_all(data)?.into_iter().find(|t| t.tag == tag).map(|t| t.value)
}

/// Appends a BER length.
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xffff => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// Encodes one TLV with a tag of 1–3 bytes.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    if tag > 0xffff {
        out.push((tag >> 16) as u8);
    }
    if tag > 0xff {
        out.push((tag >> 8) as u8);
    }
    out.push(tag as u8);
    push_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// DER INTEGER for an unsigned big-endian magnitude.
pub fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude.iter().position(|&b| b != 0).unwrap_or(magnitude.len().saturating_sub(1));
    let trimmed = if magnitude.is_empty() { &[0u8][..] } else { &magnitude[start..] };
    let mut v = Vec::with_capacity(trimmed.len() + 1);
    if trimmed[0] & 0x80 != 0 {
        v.push(0);
    }
    v.extend_from_slice(trimmed);
    encode(0x02, &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_two_byte_tag_long_length() {
        let inner = encode(0x86, &[4u8; 65]);
        let outer = encode(0x7f49, &inner);
        assert_eq!(&outer[..3], &[0x7f, 0x49, 0x43]);
        let (tlv, rest) = parse_one(&outer).unwrap();
        assert!(rest.is_empty());
        assert_eq!(tlv.tag, 0x7f49);
        assert_eq!(find(tlv.value, 0x86).unwrap().len(), 65);
        let big = encode(0x53, &[0u8; 300]);
        assert_eq!(&big[..4], &[0x53, 0x82, 0x01, 0x2c]);
        assert_eq!(parse_one(&big).unwrap().0.value.len(), 300);
    }

    #[test]
    fn der_uint_pads_and_trims() {
        assert_eq!(der_uint(&[0x00, 0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der_uint(&[0x01, 0x00, 0x01]), vec![0x02, 0x03, 0x01, 0x00, 0x01]);
        assert_eq!(der_uint(&[0, 0]), vec![0x02, 0x01, 0x00]);
    }
}
