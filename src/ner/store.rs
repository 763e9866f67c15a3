//! The on-disk weight format: a safetensors file. Trained weights are stored as F16 or F32;
//! the frozen word-embedding table keeps the base model's 4-bit Q4_0 blocks byte for byte
//! (dtype U8, rows x blocks*18), named in the metadata as `q4:<tensor name>` = `rows x cols`.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::e5s1::{dequantize_q4, f16_to_f32, f32_to_f16, Q4_BLOCK, Q4_BLOCK_BYTES};
use crate::error::{Error, Result};

/// Values of a stored tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    F32(Vec<f32>),
    F16(Vec<u16>),
    /// Q4_0 blocks of a row-major matrix.
    Q4(Vec<u8>),
}

/// A named tensor with its logical (unquantized) shape.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: TensorData,
}

impl NamedTensor {
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The values as f32.
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            TensorData::F32(v) => v.clone(),
            TensorData::F16(v) => v.iter().map(|&h| f16_to_f32(h)).collect(),
            TensorData::Q4(blocks) => {
                let mut out = vec![0f32; self.numel()];
                dequantize_q4(blocks, &mut out);
                out
            }
        }
    }

    /// Converts F32 data to F16 (other kinds are kept).
    pub fn into_f16(self) -> NamedTensor {
        match self.data {
            TensorData::F32(v) => NamedTensor {
                name: self.name,
                shape: self.shape,
                data: TensorData::F16(v.iter().map(|&x| f32_to_f16(x)).collect()),
            },
            _ => self,
        }
    }

    fn byte_len(&self) -> usize {
        match &self.data {
            TensorData::F32(v) => v.len() * 4,
            TensorData::F16(v) => v.len() * 2,
            TensorData::Q4(v) => v.len(),
        }
    }
}

/// Writes tensors and string metadata to a safetensors file (atomically, via a temporary file).
pub fn write(path: &Path, tensors: &[NamedTensor], metadata: &BTreeMap<String, String>) -> Result<()> {
    let mut header = serde_json::Map::new();
    let mut meta: BTreeMap<String, String> = metadata.clone();
    let mut offset = 0usize;
    for t in tensors {
        let (dtype, shape) = match &t.data {
            TensorData::F32(_) => ("F32", t.shape.clone()),
            TensorData::F16(_) => ("F16", t.shape.clone()),
            TensorData::Q4(_) => {
                let cols = *t.shape.last().unwrap_or(&0);
                let rows = t.numel() / cols.max(1);
                meta.insert(format!("q4:{}", t.name), format!("{rows}x{cols}"));
                ("U8", vec![rows, cols / Q4_BLOCK * Q4_BLOCK_BYTES])
            }
        };
        let len = t.byte_len();
        header.insert(t.name.clone(), json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len]}));
        offset += len;
    }
    header.insert("__metadata__".into(), json!(meta));
    let mut head = serde_json::to_vec(&Value::Object(header))?;
    while head.len() % 8 != 0 {
        head.push(b' ');
    }
    let tmp = path.with_extension("tmp");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut put = |bytes: &[u8]| out.write_all(bytes).map_err(|e| Error::io(&tmp, e));
    put(&(head.len() as u64).to_le_bytes())?;
    put(&head)?;
    for t in tensors {
        match &t.data {
            TensorData::F32(v) => put(&v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())?,
            TensorData::F16(v) => put(&v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())?,
            TensorData::Q4(v) => put(v)?,
        }
    }
    out.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads a safetensors file written by [`write`] (or any F32/F16 safetensors file).
pub fn read(path: &Path) -> Result<(Vec<NamedTensor>, BTreeMap<String, String>)> {
    let data = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::ModelMissing { path: path.to_path_buf(), hint: "the model folder has no weights file".into() }
        } else {
            Error::io(path, e)
        }
    })?;
    parse(path, &data)
}

fn parse(path: &Path, data: &[u8]) -> Result<(Vec<NamedTensor>, BTreeMap<String, String>)> {
    let corrupt = |reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
    if data.len() < 8 {
        return Err(corrupt("shorter than a safetensors header".into()));
    }
    let head_len = u64::from_le_bytes(data[..8].try_into().unwrap()) as usize;
    let body_start = 8usize.checked_add(head_len).filter(|&e| e <= data.len()).ok_or_else(|| corrupt("header length beyond the end of the file".into()))?;
    let header: serde_json::Map<String, Value> =
        serde_json::from_slice(&data[8..body_start]).map_err(|e| corrupt(format!("header is not JSON: {e}")))?;
    let body = &data[body_start..];
    let metadata: BTreeMap<String, String> = match header.get("__metadata__") {
        Some(m) => serde_json::from_value(m.clone()).map_err(|e| corrupt(format!("bad metadata: {e}")))?,
        None => BTreeMap::new(),
    };
    let mut tensors = Vec::new();
    for (name, info) in &header {
        if name == "__metadata__" {
            continue;
        }
        let dtype = info["dtype"].as_str().unwrap_or("");
        let shape: Vec<usize> = serde_json::from_value(info["shape"].clone()).map_err(|_| corrupt(format!("{name}: bad shape")))?;
        let offsets: [usize; 2] = serde_json::from_value(info["data_offsets"].clone()).map_err(|_| corrupt(format!("{name}: bad offsets")))?;
        let bytes = body.get(offsets[0]..offsets[1]).ok_or_else(|| corrupt(format!("{name}: data beyond the end of the file")))?;
        let numel: usize = shape.iter().product();
        let tensor = match dtype {
            "F32" if bytes.len() == numel * 4 => NamedTensor {
                name: name.clone(),
                shape,
                data: TensorData::F32(bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()),
            },
            "F16" if bytes.len() == numel * 2 => NamedTensor {
                name: name.clone(),
                shape,
                data: TensorData::F16(bytes.chunks_exact(2).map(|b| u16::from_le_bytes(b.try_into().unwrap())).collect()),
            },
            "U8" => {
                let dims = metadata.get(&format!("q4:{name}")).ok_or_else(|| corrupt(format!("{name}: U8 tensor without q4 metadata")))?;
                let (rows, cols) = dims
                    .split_once('x')
                    .and_then(|(r, c)| Some((r.parse::<usize>().ok()?, c.parse::<usize>().ok()?)))
                    .ok_or_else(|| corrupt(format!("{name}: bad q4 shape {dims}")))?;
                if cols % Q4_BLOCK != 0 || bytes.len() != rows * cols / Q4_BLOCK * Q4_BLOCK_BYTES {
                    return Err(corrupt(format!("{name}: {} bytes do not hold {rows}x{cols} Q4_0 values", bytes.len())));
                }
                NamedTensor { name: name.clone(), shape: vec![rows, cols], data: TensorData::Q4(bytes.to_vec()) }
            }
            _ => return Err(corrupt(format!("{name}: unsupported dtype {dtype} or wrong byte length"))),
        };
        tensors.push(tensor);
    }
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((tensors, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_kinds() {
        let dir = std::env::temp_dir().join(format!("portavoz-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.safetensors");
        let mut q4 = vec![0u8; 2 * Q4_BLOCK_BYTES];
        q4[..2].copy_from_slice(&f32_to_f16(0.25).to_le_bytes());
        q4[2] = 0x19;
        let tensors = vec![
            NamedTensor { name: "a".into(), shape: vec![2], data: TensorData::F32(vec![1.5, -2.0]) },
            NamedTensor { name: "b".into(), shape: vec![1, 2], data: TensorData::F32(vec![0.5, 3.0]) }.into_f16(),
            NamedTensor { name: "c".into(), shape: vec![2, 32], data: TensorData::Q4(q4) },
        ];
        let meta = BTreeMap::from([("labels".to_string(), "O B-PER".to_string())]);
        write(&path, &tensors, &meta).unwrap();
        let (back, meta_back) = read(&path).unwrap();
        assert_eq!(back, tensors);
        assert_eq!(meta_back["labels"], "O B-PER");
        let c = back[2].to_f32();
        assert_eq!((c[0], c[16], c[40]), (0.25, -1.75, 0.0));
        std::fs::write(&path, b"garbage").unwrap();
        assert!(matches!(read(&path), Err(Error::ModelCorrupt { .. })));
        std::fs::remove_dir_all(dir).ok();
    }
}
