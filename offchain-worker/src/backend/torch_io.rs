//! What a job means to the torch backend: the JSON a job's prompt carries for a TorchScript
//! model, and the JSON its result is written as. Parsed and checked here, without libtorch, so a
//! malformed job is refused with a precise message before any model runs.
//!
//! A job's prompt is one JSON object:
//!
//! ```json
//! {"method": "audio_forward",
//!  "inputs": [{"dtype": "float32", "shape": [1, 1024], "data": [0.0, 0.12, ...]}, 16000]}
//! ```
//!
//! - `method`: the TorchScript method to call; `forward` when absent.
//! - `inputs`: its positional arguments, each a value:
//!   - a tensor: `{"dtype": D, "shape": [..], "data": [..]}` with the elements flat in row-major
//!     order, or `{"dtype": D, "shape": [..], "base64": ".."}` with the raw little-endian bytes
//!     (compact: 16-bit PCM audio takes 2 bytes a sample). `shape` defaults to `[len]`. `D` is
//!     one of `float32`, `float64`, `float16`, `bfloat16`, `int64`, `int32`, `int16`, `int8`,
//!     `uint8`, `bool`. Float data may hold `"NaN"`, `"Infinity"`, `"-Infinity"`. An optional
//!     `"cast": D2` converts the tensor before the call: `{"dtype": "float16", "base64": ..,
//!     "cast": "float32"}` sends audio at 2 bytes a sample to a model that takes float32.
//!   - a JSON integer (TorchScript `int`), other number (`float`), `true`/`false` (`bool`),
//!     string (`str`) or `null` (`None`);
//!   - an array: a TorchScript list (`List[int]`, `List[float]`, `List[Tensor]`, ... by its
//!     elements);
//!   - `{"tuple": [..]}`: a tuple.
//!
//! The result is the method's return value in the same notation: tensors as
//! `{"dtype", "shape", "data"}` (moved to the CPU; float16/bfloat16 written as their float32
//! values), tuples as `{"tuple": [..]}`, lists as arrays, dicts as `{"dict": [[key, value], ..]}`.

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

/// Most elements one job may send (all its tensors together): 16 Mi, 64 MiB of float32.
pub const MAX_INPUT_ELEMENTS: usize = 1 << 24;

/// Element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}

impl DType {
    pub const ALL: [DType; 10] = [
        DType::Float32,
        DType::Float64,
        DType::Float16,
        DType::BFloat16,
        DType::Int64,
        DType::Int32,
        DType::Int16,
        DType::Int8,
        DType::UInt8,
        DType::Bool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Float16 => "float16",
            DType::BFloat16 => "bfloat16",
            DType::Int64 => "int64",
            DType::Int32 => "int32",
            DType::Int16 => "int16",
            DType::Int8 => "int8",
            DType::UInt8 => "uint8",
            DType::Bool => "bool",
        }
    }

    /// Parses a dtype name (also PyTorch's `float`, `double`, `half`, `long`, `int`, `short`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "float32" | "float" | "f32" => DType::Float32,
            "float64" | "double" | "f64" => DType::Float64,
            "float16" | "half" | "f16" => DType::Float16,
            "bfloat16" | "bf16" => DType::BFloat16,
            "int64" | "long" | "i64" => DType::Int64,
            "int32" | "int" | "i32" => DType::Int32,
            "int16" | "short" | "i16" => DType::Int16,
            "int8" | "i8" => DType::Int8,
            "uint8" | "u8" => DType::UInt8,
            "bool" => DType::Bool,
            _ => return None,
        })
    }

    /// Bytes one element takes in the `base64` form.
    pub fn size_bytes(self) -> usize {
        match self {
            DType::Float64 | DType::Int64 => 8,
            DType::Float32 | DType::Int32 => 4,
            DType::Float16 | DType::BFloat16 | DType::Int16 => 2,
            DType::Int8 | DType::UInt8 | DType::Bool => 1,
        }
    }
}

/// Tensor elements, row-major. float16 and bfloat16 tensors are carried as their float32 values.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    I16(Vec<i16>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    Bool(Vec<bool>),
}

impl TensorData {
    pub fn len(&self) -> usize {
        match self {
            TensorData::F32(v) => v.len(),
            TensorData::F64(v) => v.len(),
            TensorData::I64(v) => v.len(),
            TensorData::I32(v) => v.len(),
            TensorData::I16(v) => v.len(),
            TensorData::I8(v) => v.len(),
            TensorData::U8(v) => v.len(),
            TensorData::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_json(&self) -> Vec<Json> {
        match self {
            TensorData::F32(v) => v.iter().map(|&x| f32_json(x)).collect(),
            TensorData::F64(v) => v.iter().map(|&x| f64_json(x)).collect(),
            TensorData::I64(v) => v.iter().map(|&x| Json::from(x)).collect(),
            TensorData::I32(v) => v.iter().map(|&x| Json::from(x)).collect(),
            TensorData::I16(v) => v.iter().map(|&x| Json::from(x)).collect(),
            TensorData::I8(v) => v.iter().map(|&x| Json::from(x)).collect(),
            TensorData::U8(v) => v.iter().map(|&x| Json::from(x)).collect(),
            TensorData::Bool(v) => v.iter().map(|&x| Json::from(x)).collect(),
        }
    }
}

/// A tensor in the job notation.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorValue {
    pub dtype: DType,
    pub shape: Vec<i64>,
    pub data: TensorData,
    /// Convert to this dtype before the call (inputs only).
    pub cast: Option<DType>,
}

impl TensorValue {
    /// A float32 tensor (`shape` must match `data`).
    pub fn f32(shape: Vec<i64>, data: Vec<f32>) -> Self {
        Self {
            dtype: DType::Float32,
            shape,
            data: TensorData::F32(data),
            cast: None,
        }
    }

    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// The float values of a float tensor (None for other dtypes).
    pub fn as_f32(&self) -> Option<Vec<f32>> {
        match &self.data {
            TensorData::F32(v) => Some(v.clone()),
            TensorData::F64(v) => Some(v.iter().map(|&x| x as f32).collect()),
            _ => None,
        }
    }

    fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("dtype".into(), Json::from(self.dtype.as_str()));
        m.insert(
            "shape".into(),
            Json::Array(self.shape.iter().map(|&d| Json::from(d)).collect()),
        );
        m.insert("data".into(), Json::Array(self.data.to_json()));
        if let Some(c) = self.cast {
            m.insert("cast".into(), Json::from(c.as_str()));
        }
        Json::Object(m)
    }
}

/// A TorchScript value in the job notation.
#[derive(Debug, Clone, PartialEq)]
pub enum TorchValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Tensor(TensorValue),
    List(Vec<TorchValue>),
    Tuple(Vec<TorchValue>),
    /// Only in results (a TorchScript `Dict`).
    Dict(Vec<(TorchValue, TorchValue)>),
}

impl TorchValue {
    /// Elements carried: a tensor's element count, 1 for a scalar, the sum for containers.
    pub fn element_count(&self) -> usize {
        match self {
            TorchValue::Tensor(t) => t.numel(),
            TorchValue::List(v) | TorchValue::Tuple(v) => {
                v.iter().map(TorchValue::element_count).sum()
            }
            TorchValue::Dict(kv) => kv
                .iter()
                .map(|(k, v)| k.element_count() + v.element_count())
                .sum(),
            TorchValue::None => 0,
            _ => 1,
        }
    }

    /// The job notation of this value.
    pub fn to_json(&self) -> Json {
        match self {
            TorchValue::None => Json::Null,
            TorchValue::Bool(b) => Json::from(*b),
            TorchValue::Int(i) => Json::from(*i),
            TorchValue::Float(f) => f64_json(*f),
            TorchValue::Str(s) => Json::from(s.as_str()),
            TorchValue::Tensor(t) => t.to_json(),
            TorchValue::List(v) => Json::Array(v.iter().map(TorchValue::to_json).collect()),
            TorchValue::Tuple(v) => {
                let mut m = Map::new();
                m.insert(
                    "tuple".into(),
                    Json::Array(v.iter().map(TorchValue::to_json).collect()),
                );
                Json::Object(m)
            }
            TorchValue::Dict(kv) => {
                let mut m = Map::new();
                m.insert(
                    "dict".into(),
                    Json::Array(
                        kv.iter()
                            .map(|(k, v)| Json::Array(vec![k.to_json(), v.to_json()]))
                            .collect(),
                    ),
                );
                Json::Object(m)
            }
        }
    }

    /// Parses one value of the job notation; `at` names it in errors (`inputs[0]`).
    pub fn from_json(value: &Json, at: &str) -> Result<Self, String> {
        match value {
            Json::Null => Ok(TorchValue::None),
            Json::Bool(b) => Ok(TorchValue::Bool(*b)),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Ok(TorchValue::Int(i))
                } else if n.is_u64() {
                    Err(format!(
                        "{at}: integer {n} does not fit in a TorchScript int (int64)"
                    ))
                } else {
                    n.as_f64()
                        .filter(|f| f.is_finite())
                        .map(TorchValue::Float)
                        .ok_or_else(|| format!("{at}: number {n} is out of range"))
                }
            }
            Json::String(s) => Ok(TorchValue::Str(s.clone())),
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| TorchValue::from_json(v, &format!("{at}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(TorchValue::List),
            Json::Object(m) => {
                if m.contains_key("data") || m.contains_key("base64") || m.contains_key("dtype") {
                    parse_tensor(m, at).map(TorchValue::Tensor)
                } else if let Some(items) = m.get("tuple") {
                    if m.len() != 1 {
                        return Err(format!(
                            "{at}: a tuple is {{\"tuple\": [..]}} with no other key"
                        ));
                    }
                    let Json::Array(items) = items else {
                        return Err(format!("{at}.tuple: expected an array of values"));
                    };
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| TorchValue::from_json(v, &format!("{at}.tuple[{i}]")))
                        .collect::<Result<Vec<_>, _>>()
                        .map(TorchValue::Tuple)
                } else {
                    Err(format!(
                        "{at}: an object must be a tensor {{\"dtype\", \"shape\", \"data\" or \"base64\"}} or a tuple {{\"tuple\": [..]}}; got keys {}",
                        keys(m)
                    ))
                }
            }
        }
    }
}

/// A job for the torch backend: the method to call and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchInput {
    pub method: String,
    pub inputs: Vec<TorchValue>,
}

impl TorchInput {
    /// `forward` with these arguments.
    pub fn forward(inputs: Vec<TorchValue>) -> Self {
        Self {
            method: "forward".into(),
            inputs,
        }
    }

    /// Parses a job's prompt (see the module docs), with an error that says what is wrong where.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Json = serde_json::from_str(text.trim()).map_err(|e| {
            format!(
                "the torch backend takes a JSON job {{\"method\": \"forward\", \"inputs\": [..]}}; this prompt is not JSON ({e})"
            )
        })?;
        let Json::Object(m) = doc else {
            return Err(
                "the job must be a JSON object {\"method\": .., \"inputs\": [..]}".to_string(),
            );
        };
        if let Some(k) = m.keys().find(|k| *k != "method" && *k != "inputs") {
            return Err(format!(
                "unknown key \"{k}\" in the job; it takes \"method\" and \"inputs\""
            ));
        }
        let method = match m.get("method") {
            None => "forward".to_string(),
            Some(Json::String(s)) => s.clone(),
            Some(other) => return Err(format!("\"method\" must be a string, got {other}")),
        };
        if method.is_empty()
            || !method
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || method.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(format!(
                "\"method\" must be a TorchScript method name (letters, digits, _), got {method:?}"
            ));
        }
        let inputs = match m.get("inputs") {
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| TorchValue::from_json(v, &format!("inputs[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(format!(
                    "\"inputs\" must be an array of the method's arguments, got {}",
                    kind(other)
                ))
            }
            None => return Err("the job has no \"inputs\" (the method's arguments)".to_string()),
        };
        let total: usize = inputs.iter().map(TorchValue::element_count).sum();
        if total > MAX_INPUT_ELEMENTS {
            return Err(format!(
                "the inputs hold {total} elements; at most {MAX_INPUT_ELEMENTS} are taken"
            ));
        }
        Ok(Self { method, inputs })
    }

    /// The JSON of this job (what `parse` reads).
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("method".into(), Json::from(self.method.as_str()));
        m.insert(
            "inputs".into(),
            Json::Array(self.inputs.iter().map(TorchValue::to_json).collect()),
        );
        Json::Object(m)
    }

    /// Elements the job carries (reported as its input "tokens").
    pub fn element_count(&self) -> usize {
        self.inputs.iter().map(TorchValue::element_count).sum()
    }
}

fn keys(m: &Map<String, Json>) -> String {
    let k: Vec<&str> = m.keys().map(String::as_str).collect();
    format!("[{}]", k.join(", "))
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn parse_tensor(m: &Map<String, Json>, at: &str) -> Result<TensorValue, String> {
    if let Some(k) = m
        .keys()
        .find(|k| !matches!(k.as_str(), "dtype" | "shape" | "data" | "base64" | "cast"))
    {
        return Err(format!(
            "{at}: unknown key \"{k}\" in a tensor; it takes \"dtype\", \"shape\", \"data\" or \"base64\", and \"cast\""
        ));
    }
    let names = || {
        DType::ALL
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let dtype = match m.get("dtype") {
        Some(Json::String(s)) => DType::parse(s)
            .ok_or_else(|| format!("{at}.dtype: unknown dtype {s:?}; one of {}", names()))?,
        Some(other) => return Err(format!("{at}.dtype: expected a string, got {other}")),
        None => return Err(format!("{at}: a tensor needs a \"dtype\" ({})", names())),
    };
    let cast = match m.get("cast") {
        None => None,
        Some(Json::String(s)) => Some(
            DType::parse(s)
                .ok_or_else(|| format!("{at}.cast: unknown dtype {s:?}; one of {}", names()))?,
        ),
        Some(other) => return Err(format!("{at}.cast: expected a string, got {other}")),
    };
    let data = match (m.get("data"), m.get("base64")) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{at}: give the elements as \"data\" or as \"base64\", not both"
            ))
        }
        (None, None) => {
            return Err(format!(
                "{at}: a tensor needs its elements, as \"data\" (a flat array) or \"base64\""
            ))
        }
        (Some(Json::Array(items)), None) => {
            if items.len() > MAX_INPUT_ELEMENTS {
                return Err(format!(
                    "{at}.data: {} elements; at most {MAX_INPUT_ELEMENTS} are taken",
                    items.len()
                ));
            }
            data_from_json(dtype, items, at)?
        }
        (Some(other), None) => {
            return Err(format!(
                "{at}.data: expected a flat array of elements, got {}",
                kind(other)
            ))
        }
        (None, Some(Json::String(b64))) => data_from_base64(dtype, b64, at)?,
        (None, Some(other)) => {
            return Err(format!(
                "{at}.base64: expected a base64 string, got {}",
                kind(other)
            ))
        }
    };
    let n = data.len();
    let shape = match m.get("shape") {
        None => vec![n as i64],
        Some(Json::Array(dims)) => dims
            .iter()
            .enumerate()
            .map(|(i, d)| {
                d.as_u64()
                    .and_then(|d| i64::try_from(d).ok())
                    .ok_or_else(|| {
                        format!("{at}.shape[{i}]: expected a non-negative integer, got {d}")
                    })
            })
            .collect::<Result<Vec<i64>, String>>()?,
        Some(other) => {
            return Err(format!(
                "{at}.shape: expected an array of dimensions, got {}",
                kind(other)
            ))
        }
    };
    let product = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
    if product != Some(n) {
        let dims: Vec<String> = shape.iter().map(i64::to_string).collect();
        return Err(format!(
            "{at}: shape [{}] needs {} elements but {n} were given",
            dims.join(", "),
            product.map_or_else(|| "too many".to_string(), |p| p.to_string())
        ));
    }
    Ok(TensorValue {
        dtype,
        shape,
        data,
        cast,
    })
}

fn float_of(v: &Json, at: &str, i: usize) -> Result<f64, String> {
    match v {
        Json::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("{at}.data[{i}]: {n} is not a number")),
        Json::String(s) => match s.as_str() {
            "NaN" | "nan" => Ok(f64::NAN),
            "Infinity" | "inf" => Ok(f64::INFINITY),
            "-Infinity" | "-inf" => Ok(f64::NEG_INFINITY),
            _ => Err(format!(
                "{at}.data[{i}]: {s:?} is not a number (strings allowed: \"NaN\", \"Infinity\", \"-Infinity\")"
            )),
        },
        other => Err(format!("{at}.data[{i}]: expected a number, got {}", kind(other))),
    }
}

fn int_of(v: &Json, at: &str, i: usize, dtype: DType, min: i64, max: i64) -> Result<i64, String> {
    let n = match v {
        Json::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        }),
        _ => None,
    };
    match n {
        Some(x) if (min..=max).contains(&x) => Ok(x),
        _ => Err(format!(
            "{at}.data[{i}]: {v} is not an {} (an integer from {min} to {max})",
            dtype.as_str()
        )),
    }
}

fn data_from_json(dtype: DType, items: &[Json], at: &str) -> Result<TensorData, String> {
    let ints = |min: i64, max: i64| -> Result<Vec<i64>, String> {
        items
            .iter()
            .enumerate()
            .map(|(i, v)| int_of(v, at, i, dtype, min, max))
            .collect()
    };
    Ok(match dtype {
        DType::Float64 => TensorData::F64(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| float_of(v, at, i))
                .collect::<Result<_, _>>()?,
        ),
        DType::Float32 | DType::Float16 | DType::BFloat16 => TensorData::F32(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| float_of(v, at, i).map(|x| x as f32))
                .collect::<Result<_, _>>()?,
        ),
        DType::Int64 => TensorData::I64(ints(i64::MIN, i64::MAX)?),
        DType::Int32 => TensorData::I32(
            ints(i32::MIN.into(), i32::MAX.into())?
                .into_iter()
                .map(|x| x as i32)
                .collect(),
        ),
        DType::Int16 => TensorData::I16(
            ints(i16::MIN.into(), i16::MAX.into())?
                .into_iter()
                .map(|x| x as i16)
                .collect(),
        ),
        DType::Int8 => TensorData::I8(
            ints(i8::MIN.into(), i8::MAX.into())?
                .into_iter()
                .map(|x| x as i8)
                .collect(),
        ),
        DType::UInt8 => TensorData::U8(
            ints(0, u8::MAX.into())?
                .into_iter()
                .map(|x| x as u8)
                .collect(),
        ),
        DType::Bool => TensorData::Bool(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_bool()
                        .ok_or_else(|| format!("{at}.data[{i}]: expected true or false, got {v}"))
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn data_from_base64(dtype: DType, b64: &str, at: &str) -> Result<TensorData, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("{at}.base64: not valid base64 ({e})"))?;
    let size = dtype.size_bytes();
    if bytes.len() % size != 0 {
        return Err(format!(
            "{at}.base64: {} bytes is not a whole number of {} elements ({size} bytes each)",
            bytes.len(),
            dtype.as_str()
        ));
    }
    if bytes.len() / size > MAX_INPUT_ELEMENTS {
        return Err(format!(
            "{at}.base64: {} elements; at most {MAX_INPUT_ELEMENTS} are taken",
            bytes.len() / size
        ));
    }
    let chunks = bytes.chunks_exact(size);
    Ok(match dtype {
        DType::Float64 => TensorData::F64(
            chunks
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        DType::Float32 => TensorData::F32(
            chunks
                .map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
                .collect(),
        ),
        DType::Float16 => TensorData::F32(
            chunks
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        ),
        DType::BFloat16 => TensorData::F32(
            chunks
                .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
                .collect(),
        ),
        DType::Int64 => TensorData::I64(
            chunks
                .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
        ),
        DType::Int32 => TensorData::I32(
            chunks
                .map(|c| i32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
                .collect(),
        ),
        DType::Int16 => TensorData::I16(chunks.map(|c| i16::from_le_bytes([c[0], c[1]])).collect()),
        DType::Int8 => TensorData::I8(bytes.iter().map(|&b| b as i8).collect()),
        DType::UInt8 => TensorData::U8(bytes),
        DType::Bool => TensorData::Bool(
            bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| match b {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(format!(
                        "{at}.base64: byte {i} is {b}; bool elements are 0 or 1"
                    )),
                })
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// IEEE 754 half precision to f32.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise.
            let mut e: i32 = -14;
            let mut f = frac;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (((e + 127) as u32) << 23) | ((f & 0x3ff) << 13)
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// The shortest decimal that reads back as this f32 (not the long expansion of its f64 value).
fn f32_json(x: f32) -> Json {
    if x.is_finite() {
        x.to_string()
            .parse::<Number>()
            .map(Json::Number)
            .unwrap_or_else(|_| f64_json(f64::from(x)))
    } else {
        non_finite(f64::from(x))
    }
}

fn f64_json(x: f64) -> Json {
    if x.is_finite() {
        Number::from_f64(x).map_or(Json::Null, Json::Number)
    } else {
        non_finite(x)
    }
}

fn non_finite(x: f64) -> Json {
    Json::from(if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        TorchInput::parse(text).expect_err(text)
    }

    #[test]
    fn parses_a_silero_style_job() {
        let job = TorchInput::parse(
            r#"{"method": "audio_forward", "inputs": [{"dtype": "float32", "shape": [1, 4], "data": [0, 0.5, -1.0, "NaN"]}, 16000]}"#,
        )
        .unwrap();
        assert_eq!(job.method, "audio_forward");
        assert_eq!(job.inputs.len(), 2);
        let TorchValue::Tensor(t) = &job.inputs[0] else {
            panic!("not a tensor: {:?}", job.inputs[0]);
        };
        assert_eq!(t.dtype, DType::Float32);
        assert_eq!(t.shape, vec![1, 4]);
        let v = t.as_f32().unwrap();
        assert_eq!(&v[..3], &[0.0, 0.5, -1.0]);
        assert!(v[3].is_nan());
        assert_eq!(job.inputs[1], TorchValue::Int(16000));
        assert_eq!(job.element_count(), 5);
    }

    #[test]
    fn method_defaults_to_forward_and_values_map_to_torchscript_types() {
        let job = TorchInput::parse(
            r#"{"inputs": [1, 2.5, true, "x", null, [1, 2], {"tuple": [1, "a"]}]}"#,
        )
        .unwrap();
        assert_eq!(job.method, "forward");
        assert_eq!(
            job.inputs,
            vec![
                TorchValue::Int(1),
                TorchValue::Float(2.5),
                TorchValue::Bool(true),
                TorchValue::Str("x".into()),
                TorchValue::None,
                TorchValue::List(vec![TorchValue::Int(1), TorchValue::Int(2)]),
                TorchValue::Tuple(vec![TorchValue::Int(1), TorchValue::Str("a".into())]),
            ]
        );
    }

    #[test]
    fn base64_int16_pcm() {
        let samples: [i16; 3] = [0, -32768, 1234];
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let job = TorchInput::parse(&format!(
            r#"{{"inputs": [{{"dtype": "int16", "base64": "{b64}"}}]}}"#
        ))
        .unwrap();
        assert_eq!(
            job.inputs[0],
            TorchValue::Tensor(TensorValue {
                dtype: DType::Int16,
                shape: vec![3],
                data: TensorData::I16(samples.to_vec()),
                cast: None,
            })
        );
    }

    #[test]
    fn half_precision_bytes() {
        // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), inf
        for (bits, want) in [
            (0x3c00u16, 1.0f32),
            (0xc000, -2.0),
            (0x7bff, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x7c00, f32::INFINITY),
        ] {
            assert_eq!(f16_to_f32(bits), want, "{bits:#x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn malformed_jobs_say_what_and_where() {
        assert!(err("What is the capital of France?").contains("not JSON"));
        assert!(err("[1, 2]").contains("must be a JSON object"));
        assert!(err(r#"{"method": "forward"}"#).contains("no \"inputs\""));
        assert!(err(r#"{"inputs": 3}"#).contains("must be an array"));
        assert!(err(r#"{"inputs": [], "model": "x"}"#).contains("unknown key \"model\""));
        assert!(err(r#"{"method": "a.b", "inputs": []}"#).contains("method name"));
        assert!(err(r#"{"method": 7, "inputs": []}"#).contains("must be a string"));
        let e = err(r#"{"inputs": [{"dtype": "float32", "shape": [2, 3], "data": [1, 2]}]}"#);
        assert!(
            e.contains("inputs[0]") && e.contains("needs 6 elements but 2"),
            "{e}"
        );
        let e = err(r#"{"inputs": [1, {"dtype": "float33", "data": [1]}]}"#);
        assert!(
            e.contains("inputs[1].dtype") && e.contains("unknown dtype"),
            "{e}"
        );
        let e = err(r#"{"inputs": [{"dtype": "int16", "data": [1, 40000]}]}"#);
        assert!(
            e.contains("inputs[0].data[1]") && e.contains("int16"),
            "{e}"
        );
        let e = err(r#"{"inputs": [{"dtype": "int64", "data": [1.5]}]}"#);
        assert!(e.contains("data[0]"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "data": [1, "x"]}]}"#);
        assert!(e.contains("data[1]") && e.contains("not a number"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "data": [1], "base64": "AA=="}]}"#);
        assert!(e.contains("not both"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32"}]}"#);
        assert!(e.contains("needs its elements"), "{e}");
        let e = err(r#"{"inputs": [{"data": [1]}]}"#);
        assert!(e.contains("needs a \"dtype\""), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "base64": "AAA="}]}"#);
        assert!(e.contains("whole number"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "base64": "@@"}]}"#);
        assert!(e.contains("not valid base64"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "shape": [-1], "data": [1]}]}"#);
        assert!(e.contains("shape[0]"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "float32", "data": [1], "strides": [1]}]}"#);
        assert!(e.contains("unknown key \"strides\""), "{e}");
        let e = err(r#"{"inputs": [{"x": 1}]}"#);
        assert!(e.contains("inputs[0]") && e.contains("tensor"), "{e}");
        let e = err(r#"{"inputs": [[1, {"tuple": 3}]]}"#);
        assert!(e.contains("inputs[0][1].tuple"), "{e}");
        let e = err(r#"{"inputs": [18446744073709551615]}"#);
        assert!(e.contains("int64"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "int16", "data": [1], "cast": "complex"}]}"#);
        assert!(e.contains("inputs[0].cast"), "{e}");
        let e = err(r#"{"inputs": [{"dtype": "bool", "data": [1]}]}"#);
        assert!(e.contains("true or false"), "{e}");
    }

    #[test]
    fn results_are_written_in_the_same_notation() {
        let out = TorchValue::Tuple(vec![
            TorchValue::Tensor(TensorValue::f32(
                vec![1, 3],
                vec![0.1, f32::NAN, f32::NEG_INFINITY],
            )),
            TorchValue::Dict(vec![(TorchValue::Str("k".into()), TorchValue::Int(2))]),
            TorchValue::List(vec![TorchValue::Float(0.25), TorchValue::None]),
        ]);
        assert_eq!(
            serde_json::to_string(&out.to_json()).unwrap(),
            r#"{"tuple":[{"data":[0.1,"NaN","-Infinity"],"dtype":"float32","shape":[1,3]},{"dict":[["k",2]]},[0.25,null]]}"#
        );
        assert_eq!(out.element_count(), 3 + 2 + 1);
        // A tensor result reads back as the same tensor.
        let t = TorchValue::Tensor(TensorValue {
            dtype: DType::Int32,
            shape: vec![2],
            data: TensorData::I32(vec![-3, 7]),
            cast: Some(DType::Float32),
        });
        let back = TorchValue::from_json(&t.to_json(), "out").unwrap();
        assert_eq!(back, t);
    }
}
