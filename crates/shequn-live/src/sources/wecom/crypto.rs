//! WXBizMsgCrypt, Tencent's callback encryption for WeCom (企业微信 "加解密方案说明"):
//! `msg_signature = hex(SHA1(sort(token, timestamp, nonce, encrypt).concat()))`;
//! `AESKey = base64(EncodingAESKey + "=")`; AES-256-CBC with IV = the key's first 16 bytes;
//! PKCS#7 padding to a multiple of 32 bytes; plaintext =
//! `random(16) ‖ u32 BE msg_len ‖ msg ‖ receiveid`.
//!
//! Everything here is pure and total: hostile input gives a [`CryptoError`], never a panic.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine;
use sha1::{Digest, Sha1};

use crate::source::same_secret;

type Decryptor = cbc::Decryptor<aes::Aes256>;
type Encryptor = cbc::Encryptor<aes::Aes256>;

/// WeCom pads to 32 bytes, not to the AES block size: a pad byte of up to 32 is valid.
const PAD_BLOCK: usize = 32;

/// 43 characters carry 258 bits: Tencent's keys leave the last 2 bits set (both published
/// samples do), so the decoder must not insist on canonical trailing bits.
const KEY_BASE64: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

/// Why a callback could not be verified or decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the EncodingAESKey must be 43 base64 characters that decode to 32 bytes")]
    BadKey,
    #[error("msg_signature does not match token, timestamp, nonce and the encrypted message")]
    BadSignature,
    #[error("the encrypted message is not valid base64")]
    BadBase64,
    #[error("the encrypted message is {0} bytes, not a positive multiple of the AES block (16)")]
    BadCiphertextLength(usize),
    #[error("the decrypted message has bad padding (wrong EncodingAESKey?)")]
    BadPadding,
    #[error("the decrypted message states a length of {stated} bytes but holds {available}")]
    LengthOutOfRange { stated: u64, available: usize },
    #[error("the decrypted message is for another receive id (corp id or suite id)")]
    WrongReceiveId,
}

impl CryptoError {
    /// True when the failure means the request did not prove it came from the platform for
    /// us (an HTTP 401), rather than being malformed (a 400).
    pub fn is_origin_failure(&self) -> bool {
        matches!(
            self,
            CryptoError::BadSignature
                | CryptoError::BadPadding
                | CryptoError::LengthOutOfRange { .. }
                | CryptoError::WrongReceiveId
        )
    }
}

/// The secrets of one WeCom callback configuration.
#[derive(Clone)]
pub struct WecomCrypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WecomCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token or the key.
        f.debug_struct("WecomCrypt").field("receive_id", &self.receive_id).finish_non_exhaustive()
    }
}

/// Lower-case hex of the SHA1 of the four values sorted and concatenated.
pub fn signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    let mut parts = [token, timestamp, nonce, encrypt];
    parts.sort_unstable();
    let mut h = Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    crate::sources::webhook::hex(&h.finalize())
}

impl WecomCrypt {
    /// `encoding_aes_key` is the 43-character EncodingAESKey from the WeCom admin page;
    /// `receive_id` the corp id (or suite id) every decrypted message must end with.
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<WecomCrypt, CryptoError> {
        let k = encoding_aes_key.trim();
        if k.len() != 43 {
            return Err(CryptoError::BadKey);
        }
        let bytes = KEY_BASE64.decode(format!("{k}=")).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(WecomCrypt { token: token.to_string(), key, receive_id: receive_id.to_string() })
    }

    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// The signature WeCom computes for these values.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature(&self.token, timestamp, nonce, encrypt)
    }

    /// Checks `msg_signature` in constant time (upper-case hex is accepted).
    pub fn verify(&self, msg_signature: &str, timestamp: &str, nonce: &str, encrypt: &str) -> Result<(), CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypt);
        if same_secret(expected.as_bytes(), msg_signature.to_ascii_lowercase().as_bytes()) {
            Ok(())
        } else {
            Err(CryptoError::BadSignature)
        }
    }

    /// Verifies, then decrypts: what the URL check (`echostr`) and every POST need.
    pub fn verify_and_decrypt(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.verify(msg_signature, timestamp, nonce, encrypt)?;
        self.decrypt(encrypt)
    }

    /// The message inside a base64 `Encrypt` value (or `echostr`), its receive id checked.
    pub fn decrypt(&self, encrypt: &str) -> Result<Vec<u8>, CryptoError> {
        let ct = STANDARD.decode(encrypt.trim()).map_err(|_| CryptoError::BadBase64)?;
        if ct.is_empty() || ct.len() % 16 != 0 {
            return Err(CryptoError::BadCiphertextLength(ct.len()));
        }
        let (key, iv) = (&self.key, &self.key[..16]);
        let plain = Decryptor::new(key.into(), iv.into())
            .decrypt_padded_vec_mut::<NoPadding>(&ct)
            .map_err(|_| CryptoError::BadCiphertextLength(ct.len()))?;
        let body = unpad(&plain)?;
        // random(16) ‖ len(4) ‖ msg ‖ receiveid
        let rest = body.get(16..).ok_or(CryptoError::LengthOutOfRange { stated: 0, available: body.len() })?;
        let (len, rest) = match rest.split_first_chunk::<4>() {
            Some((len, rest)) => (u32::from_be_bytes(*len) as usize, rest),
            None => return Err(CryptoError::LengthOutOfRange { stated: 0, available: rest.len() }),
        };
        if len > rest.len() {
            return Err(CryptoError::LengthOutOfRange { stated: len as u64, available: rest.len() });
        }
        let (msg, receive_id) = rest.split_at(len);
        if receive_id != self.receive_id.as_bytes() {
            return Err(CryptoError::WrongReceiveId);
        }
        Ok(msg.to_vec())
    }

    /// Encrypts `msg` for this receive id as WeCom does, base64. `random` must be fresh
    /// random bytes for anything sent: with a fixed IV they are what makes ciphertexts differ.
    pub fn encrypt(&self, msg: &[u8], random: [u8; 16]) -> String {
        let mut plain = Vec::with_capacity(16 + 4 + msg.len() + self.receive_id.len() + PAD_BLOCK);
        plain.extend_from_slice(&random);
        plain.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        plain.extend_from_slice(msg);
        plain.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.resize(plain.len() + pad, pad as u8);
        let (key, iv) = (&self.key, &self.key[..16]);
        let ct = Encryptor::new(key.into(), iv.into()).encrypt_padded_vec_mut::<NoPadding>(&plain);
        STANDARD.encode(ct)
    }

    /// The answer envelope for a passive reply: encrypted, signed XML.
    pub fn encrypt_reply(&self, msg: &str, random: [u8; 16], timestamp: &str, nonce: &str) -> String {
        let encrypt = self.encrypt(msg.as_bytes(), random);
        let sig = self.signature(timestamp, nonce, &encrypt);
        format!(
            "<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{sig}]]></MsgSignature>\
             <TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
    }
}

/// Strips PKCS#7 padding of 1..=32 bytes, every pad byte checked.
fn unpad(plain: &[u8]) -> Result<&[u8], CryptoError> {
    let &last = plain.last().ok_or(CryptoError::BadPadding)?;
    let n = last as usize;
    if n == 0 || n > PAD_BLOCK || n > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    let (body, pad) = plain.split_at(plain.len() - n);
    if pad.iter().any(|&b| b != last) {
        return Err(CryptoError::BadPadding);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vector A: sbzhu/weworkapi_golang@05178029 sample.go.
    const A_TOKEN: &str = "QDG6eK";
    const A_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const A_ID: &str = "wx5823bf96d3bd56c7";
    const A_ECHO: &str = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    const A_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

    fn a() -> WecomCrypt {
        WecomCrypt::new(A_TOKEN, A_KEY, A_ID).unwrap()
    }

    #[test]
    fn vector_a_signatures_and_echostr() {
        let c = a();
        assert_eq!(c.signature("1409659589", "263014780", A_ECHO), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
        assert_eq!(c.signature("1409659813", "1372623149", A_ENCRYPT), "477715d11cdb4164915debcba66cb864d751f3e6");
        let echo = c
            .verify_and_decrypt("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", A_ECHO)
            .unwrap();
        assert_eq!(echo, b"1616140317555161061");
    }

    #[test]
    fn vector_a_pads_to_32_byte_blocks() {
        // The last decrypted byte of the sample is 30: more than an AES block, so a decoder
        // that assumed 16-byte PKCS#7 would refuse it.
        let c = a();
        let ct = STANDARD.decode(A_ENCRYPT).unwrap();
        let plain =
            Decryptor::new((&c.key).into(), c.key[..16].into()).decrypt_padded_vec_mut::<NoPadding>(&ct).unwrap();
        assert_eq!(*plain.last().unwrap(), 30);
        assert_eq!(c.decrypt(A_ENCRYPT).unwrap().len(), 284);
    }

    #[test]
    fn key_with_nonzero_trailing_bits_is_accepted_and_bad_keys_refused() {
        // Both published keys end in a character whose low 2 bits are set.
        assert!(WecomCrypt::new("t", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "x").is_ok());
        assert_eq!(WecomCrypt::new("t", "short", "x").unwrap_err(), CryptoError::BadKey);
        assert_eq!(WecomCrypt::new("t", &"!".repeat(43), "x").unwrap_err(), CryptoError::BadKey);
        assert_eq!(WecomCrypt::new("t", &format!("{A_KEY}A"), "x").unwrap_err(), CryptoError::BadKey);
    }

    #[test]
    fn round_trip_every_padding_length() {
        let c = a();
        for n in 0..=80usize {
            let msg: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let enc = c.encrypt(&msg, [n as u8; 16]);
            assert_eq!(STANDARD.decode(&enc).unwrap().len() % 32, 0);
            assert_eq!(c.decrypt(&enc).unwrap(), msg, "length {n}");
        }
    }

    #[test]
    fn wrong_receive_id_and_wrong_key_are_refused() {
        let enc = a().encrypt(b"<xml/>", [1; 16]);
        let other = WecomCrypt::new(A_TOKEN, A_KEY, "ww0000000000000000").unwrap();
        assert_eq!(other.decrypt(&enc).unwrap_err(), CryptoError::WrongReceiveId);
        let prefix = WecomCrypt::new(A_TOKEN, A_KEY, "wx5823bf96d3bd56").unwrap();
        assert_eq!(prefix.decrypt(&enc).unwrap_err(), CryptoError::WrongReceiveId);
        let wrong_key = WecomCrypt::new(A_TOKEN, "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", A_ID).unwrap();
        let err = wrong_key.decrypt(&enc).unwrap_err();
        assert!(err.is_origin_failure(), "{err:?}");
    }

    #[test]
    fn signature_mismatch_is_typed() {
        let c = a();
        let e = c.verify_and_decrypt("477715d11cdb4164915debcba66cb864d751f3e7", "1409659813", "1372623149", A_ENCRYPT);
        assert_eq!(e.unwrap_err(), CryptoError::BadSignature);
        // Another nonce, the same signature: refused.
        assert_eq!(
            c.verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623148", A_ENCRYPT).unwrap_err(),
            CryptoError::BadSignature
        );
        assert!(c.verify("477715D11CDB4164915DEBCBA66CB864D751F3E6", "1409659813", "1372623149", A_ENCRYPT).is_ok());
        assert_eq!(c.verify("", "1409659813", "1372623149", A_ENCRYPT).unwrap_err(), CryptoError::BadSignature);
    }

    #[test]
    fn bad_padding_and_lengths_are_typed() {
        assert_eq!(unpad(&[]).unwrap_err(), CryptoError::BadPadding);
        assert_eq!(unpad(&[5; 4]).unwrap_err(), CryptoError::BadPadding);
        assert_eq!(unpad(&[0; 32]).unwrap_err(), CryptoError::BadPadding);
        assert_eq!(unpad(&[33; 64]).unwrap_err(), CryptoError::BadPadding);
        let mut p = vec![3u8; 32];
        p[30] = 9;
        assert_eq!(unpad(&p).unwrap_err(), CryptoError::BadPadding);
        assert_eq!(unpad(&[7, 32, 32]).unwrap_err(), CryptoError::BadPadding);
        assert_eq!(unpad(&[7, 1]).unwrap(), &[7]);

        // A correctly padded plaintext whose stated length runs past its end.
        let c = a();
        let mut plain = vec![0u8; 16];
        plain.extend_from_slice(&1000u32.to_be_bytes());
        plain.extend_from_slice(b"hi");
        plain.resize(32, 32 - 22);
        let ct = Encryptor::new((&c.key).into(), c.key[..16].into()).encrypt_padded_vec_mut::<NoPadding>(&plain);
        assert_eq!(
            c.decrypt(&STANDARD.encode(ct)).unwrap_err(),
            CryptoError::LengthOutOfRange { stated: 1000, available: 2 }
        );
        // Too short to hold the random prefix and the length.
        let ct = Encryptor::new((&c.key).into(), c.key[..16].into()).encrypt_padded_vec_mut::<NoPadding>(&[14u8; 32]);
        assert!(matches!(c.decrypt(&STANDARD.encode(ct)).unwrap_err(), CryptoError::LengthOutOfRange { .. }));
    }

    #[test]
    fn hostile_inputs_give_errors_not_panics() {
        let c = a();
        assert_eq!(c.decrypt("").unwrap_err(), CryptoError::BadCiphertextLength(0));
        assert_eq!(c.decrypt("not base64!").unwrap_err(), CryptoError::BadBase64);
        assert_eq!(c.decrypt("AAAA").unwrap_err(), CryptoError::BadCiphertextLength(3));
        // Every truncation of the sample, and many single-character corruptions.
        for end in 0..A_ENCRYPT.len() {
            assert!(c.decrypt(&A_ENCRYPT[..end]).is_err());
        }
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
        let mut refused = 0;
        for i in 0..A_ENCRYPT.len() {
            for &ch in alphabet.iter().step_by(7) {
                let mut s = A_ENCRYPT.as_bytes().to_vec();
                if s[i] == ch {
                    continue;
                }
                s[i] = ch;
                let s = String::from_utf8(s).unwrap();
                match c.decrypt(&s) {
                    Err(_) => refused += 1,
                    // A change in the middle may still decrypt (CBC garbles two blocks only);
                    // what must hold is that it never panics and the receive id is checked.
                    Ok(m) => assert!(m.len() <= 284),
                }
            }
        }
        assert!(refused > 0);
        // Pseudo-random ciphertexts of block-multiple length.
        let mut x: u64 = 0x9E3779B97F4A7C15;
        for n in [16usize, 32, 48, 64, 320] {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..n)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                assert!(c.decrypt(&STANDARD.encode(bytes)).is_err());
            }
        }
    }
}
