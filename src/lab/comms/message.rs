//! What travels through the queue and the pipes: small serde messages,
//! encoded with postcard and a CRC-32, so a message damaged in the ring is
//! caught when it is read rather than misread.

use serde::{Deserialize, Serialize};

use super::ring::{MESSAGE_MAX, Raw, Tag};

/// The queue lab's message: an item from a producer, or a sentinel
/// (Python's `None`, the poison pill) that tells one consumer to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    Item {
        /// The producer's pid.
        from: u32,
        /// The producer's own count, from 0.
        seq: u64,
        /// Monotonic nanoseconds when it was put.
        sent_ns: u64,
    },
    Sentinel,
}

impl Message {
    /// The message's identity for the queue's audit: items hash their
    /// producer and number; sentinels hash to a constant.
    pub fn hash(&self) -> u64 {
        match *self {
            Message::Item { from, seq, .. } => mix(u64::from(from) << 40 ^ seq),
            Message::Sentinel => mix(u64::MAX),
        }
    }

    fn tag(&self) -> u8 {
        match self {
            Message::Item { .. } => Tag::ITEM,
            Message::Sentinel => Tag::STOP,
        }
    }

    /// Encodes for a cell of the ring.
    pub fn to_raw(&self) -> Result<Raw, MessageError> {
        encode(self, self.tag(), self.hash())
    }

    /// Decodes a cell's message, checking its tag and its identity
    /// against its content.
    pub fn from_raw(raw: &Raw) -> Result<Message, MessageError> {
        let m: Message = decode(raw.body())?;
        if m.tag() != raw.tag {
            return Err(MessageError::Corrupt(format!(
                "tag {} does not match a {:?}",
                raw.tag, m
            )));
        }
        if m.hash() != raw.hash {
            return Err(MessageError::Corrupt(format!(
                "the cell's identity does not match a {m:?}"
            )));
        }
        Ok(m)
    }
}

/// splitmix64's finaliser: spreads identities over all 64 bits, so that
/// wrapping sums of them tell sets apart.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("a message of {size} bytes does not fit a queue cell of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("a corrupted message: {0}")]
    Corrupt(String),
    #[error("cannot encode a message: {0}")]
    Encode(String),
}

/// Encodes any serde value for a cell, with a tag and an audit hash.
pub fn encode<T: Serialize>(value: &T, tag: u8, hash: u64) -> Result<Raw, MessageError> {
    let mut raw = Raw {
        tag,
        len: 0,
        hash,
        bytes: [0; MESSAGE_MAX],
    };
    match postcard::to_slice_crc32(value, &mut raw.bytes, CRC.digest()) {
        Ok(used) => {
            raw.len = used.len() as u8;
            Ok(raw)
        }
        Err(postcard::Error::SerializeBufferFull) => Err(MessageError::TooLarge {
            size: encoded_len(value),
            max: MESSAGE_MAX,
        }),
        Err(e) => Err(MessageError::Encode(e.to_string())),
    }
}

/// The size a value encodes to, CRC included.
pub fn encoded_len<T: Serialize>(value: &T) -> usize {
    postcard::experimental::serialized_size(value).unwrap_or(usize::MAX) + 4
}

/// Decodes bytes written by [`encode`], checking the CRC.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, MessageError> {
    postcard::from_bytes_crc32(bytes, CRC.digest()).map_err(|e| {
        MessageError::Corrupt(match e {
            postcard::Error::DeserializeBadCrc => "its checksum does not match".into(),
            other => other.to_string(),
        })
    })
}

/// Frames a value for a byte stream (a pipe): a 4-byte little-endian
/// length, then the postcard bytes and CRC, as `Connection.send` writes a
/// length and then the pickle.
pub fn frame<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<(), MessageError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    const MAX: usize = 256;
    let mut buf = [0u8; MAX];
    let used = postcard::to_slice_crc32(value, &mut buf, CRC.digest()).map_err(|e| match e {
        postcard::Error::SerializeBufferFull => MessageError::TooLarge {
            size: encoded_len(value),
            max: MAX,
        },
        other => MessageError::Encode(other.to_string()),
    })?;
    out.extend_from_slice(used);
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    Ok(())
}

/// Takes one framed value off the front of `buf`, if a whole one is there:
/// returns the value (or its decoding error) and the bytes it used.
pub fn unframe<'a, T: Deserialize<'a>>(buf: &'a [u8]) -> Option<(Result<T, MessageError>, usize)> {
    let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
    let body = buf.get(4..4 + len)?;
    Some((decode(body), 4 + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_a_cell() {
        for m in [
            Message::Item {
                from: 4242,
                seq: 7,
                sent_ns: 123_456_789_000,
            },
            Message::Sentinel,
        ] {
            let raw = m.to_raw().unwrap();
            assert!(usize::from(raw.len) <= MESSAGE_MAX);
            assert_eq!(Message::from_raw(&raw).unwrap(), m);
        }
    }

    #[test]
    fn a_flipped_byte_is_caught() {
        let m = Message::Item {
            from: 1,
            seq: 2,
            sent_ns: 3,
        };
        let mut raw = m.to_raw().unwrap();
        raw.bytes[1] ^= 0x40;
        let err = Message::from_raw(&raw).unwrap_err();
        assert!(err.to_string().contains("corrupted"), "{err}");
    }

    #[test]
    fn a_message_too_large_names_its_size() {
        let big = vec![7u8; 100];
        let err = encode(&big, Tag::ITEM, 0).unwrap_err();
        assert_eq!(
            err,
            MessageError::TooLarge {
                size: 105,
                max: MESSAGE_MAX
            }
        );
        assert!(err.to_string().contains("105 bytes"), "{err}");
    }

    #[test]
    fn frames_come_apart_one_by_one() {
        let mut buf = Vec::new();
        for seq in 0..3u64 {
            frame(&(seq, "ping"), &mut buf).unwrap();
        }
        let mut at = 0;
        for seq in 0..3u64 {
            let (v, used) = unframe::<(u64, &str)>(&buf[at..]).unwrap();
            assert_eq!(v.unwrap(), (seq, "ping"));
            at += used;
        }
        assert!(unframe::<(u64, &str)>(&buf[at..]).is_none());
        assert!(unframe::<(u64, &str)>(&buf[..3]).is_none(), "half a header");
    }

    #[test]
    fn identities_differ() {
        let a = Message::Item {
            from: 1,
            seq: 1,
            sent_ns: 0,
        }
        .hash();
        let b = Message::Item {
            from: 1,
            seq: 2,
            sent_ns: 9,
        }
        .hash();
        let c = Message::Item {
            from: 2,
            seq: 1,
            sent_ns: 0,
        }
        .hash();
        assert!(a != b && a != c && b != c);
    }
}
