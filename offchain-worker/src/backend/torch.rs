//! The torch backend: TorchScript models run by libtorch (through tch 0.24, PyTorch 2.11), on a
//! CUDA GPU when libtorch sees one, else on the CPU. Built with the `torch` feature; libtorch
//! comes from `scripts/fetch-libtorch.sh`.
//!
//! It serves every TorchScript file (`*.jit`, `*.pt`, `*.pth`, `*.torchscript`) in its models
//! directory (default `$AITBC_MODELS_DIR/torch`), each under its file stem (`silero_vad.jit` is
//! `silero_vad`), or only the one named by `TorchConfig::model`. A job's prompt is a JSON call
//! of one of the model's methods and the result is its return value, both in the notation of
//! [`torch_io`](super::torch_io).
//!
//! Every job runs on a fresh instance of the module, loaded from the bytes kept in memory:
//! TorchScript modules may keep state between calls (silero-vad keeps its RNN state and audio
//! context), and a job's result must depend on its own input only.

use crate::backend::embedded::models_dir;
use crate::backend::torch_io::{DType, TensorData, TensorValue, TorchInput, TorchValue};
use crate::backend::{
    BackendError, ComputeDevice, DoneReason, GenerateRequest, GenerateResult, InferenceBackend,
    ModelInfo, Prompt, Timings, TokenSender,
};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tch::{CModule, Device, IValue, Kind, TchError, Tensor};

const BACKEND: &str = "torch";

/// File extensions taken as TorchScript models.
pub const MODEL_EXTENSIONS: [&str; 4] = ["jit", "pt", "pth", "torchscript"];

/// Most elements a result may hold (all its tensors together).
pub const MAX_OUTPUT_ELEMENTS: usize = 1 << 24;

/// `$AITBC_MODELS_DIR/torch` (default `~/.cache/aitbc/models/torch`), where
/// `scripts/fetch-libtorch.sh` puts `silero_vad.jit`.
pub fn default_models_dir() -> PathBuf {
    models_dir().join("torch")
}

/// Which device to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevicePreference {
    /// CUDA device 0 when libtorch sees a CUDA GPU, else the CPU.
    #[default]
    Auto,
    Cpu,
    Cuda(usize),
}

impl FromStr for DevicePreference {
    type Err = String;

    /// `auto`, `cpu`, `cuda` or `cuda:N`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(DevicePreference::Auto),
            "cpu" => Ok(DevicePreference::Cpu),
            "cuda" => Ok(DevicePreference::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DevicePreference::Cuda)
                .ok_or_else(|| format!("unknown device {s:?}: auto, cpu, cuda or cuda:N")),
        }
    }
}

/// What the torch backend serves and where.
#[derive(Debug, Clone)]
pub struct TorchConfig {
    /// Directory of TorchScript files.
    pub models_dir: PathBuf,
    /// Serve only this model (a file stem in `models_dir`); `None` serves them all.
    pub model: Option<String>,
    pub device: DevicePreference,
}

impl TorchConfig {
    /// Every model in `models_dir` (default `default_models_dir()`), on CUDA if available.
    pub fn new(models_dir: Option<PathBuf>) -> Self {
        Self {
            models_dir: models_dir.unwrap_or_else(default_models_dir),
            model: None,
            device: DevicePreference::Auto,
        }
    }
}

struct TorchModel {
    info: ModelInfo,
    path: PathBuf,
    bytes: Arc<[u8]>,
}

struct Inner {
    models: Vec<TorchModel>,
    device: Device,
    compute: ComputeDevice,
}

/// One method call on a model, with its measured phases.
#[derive(Debug, Clone, PartialEq)]
pub struct TorchRun {
    pub model: String,
    pub output: TorchValue,
    /// Instantiating the module on the device.
    pub load: Duration,
    /// Building the argument tensors and moving them to the device.
    pub prepare: Duration,
    /// The call, and copying the result back to the CPU.
    pub forward: Duration,
}

/// TorchScript models on libtorch. Cheap to clone (shared state).
#[derive(Clone)]
pub struct TorchBackend {
    inner: Arc<Inner>,
}

impl TorchBackend {
    /// Picks the device and loads (and checks) the models (blocking).
    pub fn load(config: TorchConfig) -> Result<Self, BackendError> {
        // The legacy graph executor, not the profiling one: every job runs on a fresh module
        // and job inputs vary in shape, and the profiling executor profiles and re-specialises
        // each fresh module from scratch (silero_vad on 10 s of audio: about 1.6 s a job with
        // it, 45 ms without, on 2 CPU cores). Process-wide; this backend is all the TorchScript
        // the process runs.
        tch::jit::set_profiling_mode(false);
        let (device, compute) = pick_device(config.device)?;
        let files = model_files(&config.models_dir, config.model.as_deref())?;
        let mut models = Vec::with_capacity(files.len());
        for (name, path) in files {
            let started = Instant::now();
            let model = load_model(name, path, device)?;
            tracing::info!(
                model = %model.info.name,
                path = %model.path.display(),
                device = %compute,
                load_ms = started.elapsed().as_millis() as u64,
                "TorchScript model loaded"
            );
            models.push(model);
        }
        tracing::info!(
            device = %compute,
            threads = tch::get_num_threads(),
            cuda_devices = tch::Cuda::device_count(),
            "torch backend ready"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                models,
                device,
                compute,
            }),
        })
    }

    /// Where the models run.
    pub fn compute_device(&self) -> ComputeDevice {
        self.inner.compute
    }

    /// The served models.
    pub fn infos(&self) -> Vec<ModelInfo> {
        self.inner.models.iter().map(|m| m.info.clone()).collect()
    }

    fn resolve(&self, requested: &str) -> Result<&TorchModel, BackendError> {
        self.inner
            .models
            .iter()
            .find(|m| m.info.answers_to(requested))
            .ok_or_else(|| BackendError::UnknownModel {
                backend: BACKEND,
                requested: requested.to_string(),
                served: self
                    .inner
                    .models
                    .iter()
                    .map(|m| m.info.name.clone())
                    .collect(),
            })
    }

    /// Calls `input.method` of `model` on a fresh instance of it (blocking).
    pub fn run_blocking(&self, model: &str, input: &TorchInput) -> Result<TorchRun, BackendError> {
        let m = self.resolve(model)?;
        let device = self.inner.device;
        let _no_grad = tch::no_grad_guard();
        let started = Instant::now();
        let mut module = CModule::load_data_on_device(&mut &m.bytes[..], device).map_err(|e| {
            BackendError::Inference(format!(
                "cannot instantiate {}: {}",
                m.info.name,
                torch_message(&e)
            ))
        })?;
        module
            .f_set_eval()
            .map_err(|e| BackendError::Inference(torch_message(&e)))?;
        let load = started.elapsed();

        let started = Instant::now();
        let args = input
            .inputs
            .iter()
            .enumerate()
            .map(|(i, v)| to_ivalue(v, device, &format!("inputs[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let prepare = started.elapsed();

        let started = Instant::now();
        let out = module.method_is(&input.method, &args).map_err(|e| {
            BackendError::Inference(format!(
                "{}.{}: {}",
                m.info.name,
                input.method,
                torch_message(&e)
            ))
        })?;
        let output = from_ivalue(out, "output")?;
        let forward = started.elapsed();
        let n = output.element_count();
        if n > MAX_OUTPUT_ELEMENTS {
            return Err(BackendError::Inference(format!(
                "{}.{} returned {n} elements; at most {MAX_OUTPUT_ELEMENTS} are sent back",
                m.info.name, input.method
            )));
        }
        Ok(TorchRun {
            model: m.info.name.clone(),
            output,
            load,
            prepare,
            forward,
        })
    }

    /// Runs a job: its prompt is a JSON call (see `torch_io`), its text the JSON result.
    /// Sampling options do not apply and are ignored. Input and output "tokens" count tensor
    /// elements (scalars count 1).
    pub fn generate_blocking(
        &self,
        request: &GenerateRequest,
    ) -> Result<GenerateResult, BackendError> {
        let started = Instant::now();
        self.resolve(&request.model)?;
        let text = match &request.prompt {
            Prompt::Text {
                prompt,
                system: None,
                ..
            } => prompt,
            Prompt::Text {
                system: Some(_), ..
            } => {
                return Err(BackendError::InvalidRequest(
                    "the torch backend takes no system prompt: the job's prompt is a JSON call {\"method\", \"inputs\"}".into(),
                ))
            }
            Prompt::Chat(_) => {
                return Err(BackendError::InvalidRequest(
                    "the torch backend runs TorchScript models on a JSON call {\"method\", \"inputs\"}, not on a chat".into(),
                ))
            }
        };
        let input = TorchInput::parse(text).map_err(BackendError::InvalidRequest)?;
        let run = self.run_blocking(&request.model, &input)?;
        let text = serde_json::to_string(&run.output.to_json())
            .map_err(|e| BackendError::Inference(format!("cannot write the result: {e}")))?;
        let total = started.elapsed();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(GenerateResult {
            model: run.model,
            text,
            done_reason: DoneReason::Stop,
            input_tokens: count(input.element_count()),
            output_tokens: count(run.output.element_count()),
            compute_ms: total.as_millis() as u64,
            timings: Timings {
                total,
                load: run.load,
                prompt_eval: run.prepare,
                eval: run.forward,
            },
            min_margin_milli: None,
        })
    }
}

#[async_trait]
impl InferenceBackend for TorchBackend {
    fn name(&self) -> &'static str {
        BACKEND
    }

    fn device(&self) -> Option<ComputeDevice> {
        Some(self.inner.compute)
    }

    async fn models(&self) -> Result<Vec<ModelInfo>, BackendError> {
        Ok(self.infos())
    }

    async fn generate_stream(
        &self,
        request: GenerateRequest,
        tokens: Option<TokenSender>,
    ) -> Result<GenerateResult, BackendError> {
        let this = self.clone();
        let result = tokio::task::spawn_blocking(move || this.generate_blocking(&request))
            .await
            .map_err(|e| BackendError::Inference(format!("inference task failed: {e}")))??;
        // The result is one piece: a model's output is whole or nothing.
        if let Some(tx) = tokens {
            tx.send(result.text.clone())
                .map_err(|_| BackendError::Cancelled)?;
        }
        Ok(result)
    }
}

fn pick_device(pref: DevicePreference) -> Result<(Device, ComputeDevice), BackendError> {
    let cuda_count = || usize::try_from(tch::Cuda::device_count()).unwrap_or(0);
    match pref {
        DevicePreference::Auto if tch::Cuda::is_available() => {
            Ok((Device::Cuda(0), ComputeDevice::Cuda(0)))
        }
        DevicePreference::Auto | DevicePreference::Cpu => Ok((Device::Cpu, ComputeDevice::Cpu)),
        DevicePreference::Cuda(i) => {
            if !tch::Cuda::is_available() {
                return Err(BackendError::DeviceUnavailable(format!(
                    "cuda:{i} was asked for but libtorch sees no CUDA device (a CPU-only libtorch, as scripts/fetch-libtorch.sh sets up, or no GPU/driver); use --torch-device cpu or auto"
                )));
            }
            if i >= cuda_count() {
                return Err(BackendError::DeviceUnavailable(format!(
                    "cuda:{i} was asked for but libtorch sees {} CUDA device(s)",
                    cuda_count()
                )));
            }
            Ok((Device::Cuda(i), ComputeDevice::Cuda(i)))
        }
    }
}

/// The TorchScript files to serve, as (name, path), sorted by name.
fn model_files(dir: &Path, only: Option<&str>) -> Result<Vec<(String, PathBuf)>, BackendError> {
    let load_err = |reason: String| BackendError::ModelLoad {
        path: dir.to_path_buf(),
        reason,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        load_err(format!(
            "cannot read the TorchScript models directory ({e}): run scripts/fetch-libtorch.sh (fetches silero_vad.jit from PyPI into $AITBC_MODELS_DIR/torch) or pass --torch-models DIR"
        ))
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| load_err(e.to_string()))?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !path.is_file() || !MODEL_EXTENSIONS.contains(&ext) {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        files.push((stem.to_string(), path));
    }
    files.sort();
    let names = |files: &[(String, PathBuf)]| {
        if files.is_empty() {
            "none".to_string()
        } else {
            files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    if let Some(dup) = files.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(load_err(format!(
            "two files are named {}: {} and {}",
            dup[0].0,
            dup[0].1.display(),
            dup[1].1.display()
        )));
    }
    if let Some(want) = only {
        let probe = ModelInfo {
            name: want.to_string(),
            aliases: vec![],
            family: None,
            parameter_size: None,
            quantization: None,
            context_length: None,
            size_bytes: None,
            digest: None,
        };
        let found: Vec<(String, PathBuf)> = files
            .iter()
            .filter(|(n, _)| probe.answers_to(n))
            .cloned()
            .collect();
        if found.is_empty() {
            return Err(load_err(format!(
                "no TorchScript model {want} (a {} file); models here: {}",
                MODEL_EXTENSIONS.map(|e| format!("{want}.{e}")).join(" or "),
                names(&files)
            )));
        }
        return Ok(found);
    }
    if files.is_empty() {
        return Err(load_err(format!(
            "no TorchScript model (*.{}) in it: run scripts/fetch-libtorch.sh (fetches silero_vad.jit) or pass --torch-models DIR",
            MODEL_EXTENSIONS.join(", *.")
        )));
    }
    Ok(files)
}

fn load_model(name: String, path: PathBuf, device: Device) -> Result<TorchModel, BackendError> {
    let err = |reason: String| BackendError::ModelLoad {
        path: path.clone(),
        reason,
    };
    let bytes: Arc<[u8]> = std::fs::read(&path).map_err(|e| err(e.to_string()))?.into();
    let module = CModule::load_data_on_device(&mut &bytes[..], device).map_err(|e| {
        err(format!(
            "not a TorchScript module libtorch 2.11 can load: {}",
            torch_message(&e)
        ))
    })?;
    let parameters: i64 = module
        .named_parameters()
        .map_err(|e| err(torch_message(&e)))?
        .iter()
        .map(|(_, t)| t.numel() as i64)
        .sum();
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let info = ModelInfo {
        name,
        aliases: vec![],
        family: Some("torchscript".into()),
        parameter_size: (parameters > 0).then(|| parameter_size(parameters)),
        quantization: None,
        context_length: None,
        size_bytes: Some(bytes.len() as u64),
        digest: Some(format!("sha256:{digest}")),
    };
    Ok(TorchModel { info, path, bytes })
}

/// Ollama-style size label: `309K`, `1.2M`, `7.0B`.
fn parameter_size(n: i64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.1}B", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0}K", n / 1e3)
    } else {
        format!("{n}")
    }
}

/// The useful part of a libtorch error: TorchScript errors carry the script's traceback, and
/// the raised exception is on the last line (`builtins.ValueError: ...`).
fn torch_message(e: &TchError) -> String {
    let full = match e {
        TchError::Torch(m) => m.clone(),
        other => other.to_string(),
    };
    tracing::debug!("libtorch error: {full}");
    let lines: Vec<&str> = full
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let picked = if full.contains("Traceback of TorchScript") {
        lines.last().copied().unwrap_or("")
    } else {
        // C++ errors: the message, without the "Exception raised from ..." trailer.
        lines
            .iter()
            .copied()
            .find(|l| !l.starts_with("Exception raised from"))
            .unwrap_or("")
    };
    let picked = picked.strip_prefix("RuntimeError: ").unwrap_or(picked);
    let mut s: String = picked.chars().take(600).collect();
    if s.is_empty() {
        s = "libtorch failed without a message".into();
    }
    s
}

fn kind_of(d: DType) -> Kind {
    match d {
        DType::Float32 => Kind::Float,
        DType::Float64 => Kind::Double,
        DType::Float16 => Kind::Half,
        DType::BFloat16 => Kind::BFloat16,
        DType::Int64 => Kind::Int64,
        DType::Int32 => Kind::Int,
        DType::Int16 => Kind::Int16,
        DType::Int8 => Kind::Int8,
        DType::UInt8 => Kind::Uint8,
        DType::Bool => Kind::Bool,
    }
}

fn tch_err(at: &str) -> impl Fn(TchError) -> BackendError + '_ {
    move |e| BackendError::Inference(format!("{at}: {}", torch_message(&e)))
}

fn tensor_to_tch(t: &TensorValue, device: Device, at: &str) -> Result<Tensor, BackendError> {
    let err = tch_err(at);
    let flat = match &t.data {
        TensorData::F32(v) => Tensor::f_from_slice(v),
        TensorData::F64(v) => Tensor::f_from_slice(v),
        TensorData::I64(v) => Tensor::f_from_slice(v),
        TensorData::I32(v) => Tensor::f_from_slice(v),
        TensorData::I16(v) => Tensor::f_from_slice(v),
        TensorData::I8(v) => Tensor::f_from_slice(v),
        TensorData::U8(v) => Tensor::f_from_slice(v),
        TensorData::Bool(v) => Tensor::f_from_slice(v),
    }
    .map_err(&err)?;
    let mut tensor = flat.f_reshape(t.shape.as_slice()).map_err(&err)?;
    // float16/bfloat16 elements are carried as float32 values.
    let kind = kind_of(t.cast.unwrap_or(t.dtype));
    if tensor.kind() != kind {
        tensor = tensor.f_to_kind(kind).map_err(&err)?;
    }
    if device != Device::Cpu {
        tensor = tensor.f_to_device(device).map_err(&err)?;
    }
    Ok(tensor)
}

/// A job value as a TorchScript argument. Arrays become typed lists when their elements allow
/// (`List[int]`, `List[float]`, `List[bool]`, `List[str]`, `List[Tensor]`), else generic lists.
fn to_ivalue(v: &TorchValue, device: Device, at: &str) -> Result<IValue, BackendError> {
    Ok(match v {
        TorchValue::None => IValue::None,
        TorchValue::Bool(b) => IValue::Bool(*b),
        TorchValue::Int(i) => IValue::Int(*i),
        TorchValue::Float(f) => IValue::Double(*f),
        TorchValue::Str(s) => IValue::String(s.clone()),
        TorchValue::Tensor(t) => IValue::Tensor(tensor_to_tch(t, device, at)?),
        TorchValue::Tuple(items) => IValue::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| to_ivalue(x, device, &format!("{at}.tuple[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        TorchValue::List(items) => list_to_ivalue(items, device, at)?,
        TorchValue::Dict(_) => {
            return Err(BackendError::InvalidRequest(format!(
                "{at}: dicts are not taken as arguments"
            )))
        }
    })
}

fn list_to_ivalue(items: &[TorchValue], device: Device, at: &str) -> Result<IValue, BackendError> {
    let all = |f: fn(&TorchValue) -> bool| !items.is_empty() && items.iter().all(f);
    if all(|x| matches!(x, TorchValue::Int(_))) {
        return Ok(IValue::IntList(
            items
                .iter()
                .filter_map(|x| match x {
                    TorchValue::Int(i) => Some(*i),
                    _ => None,
                })
                .collect(),
        ));
    }
    if all(|x| matches!(x, TorchValue::Int(_) | TorchValue::Float(_))) {
        return Ok(IValue::DoubleList(
            items
                .iter()
                .filter_map(|x| match x {
                    TorchValue::Int(i) => Some(*i as f64),
                    TorchValue::Float(f) => Some(*f),
                    _ => None,
                })
                .collect(),
        ));
    }
    if all(|x| matches!(x, TorchValue::Bool(_))) {
        return Ok(IValue::BoolList(
            items
                .iter()
                .filter_map(|x| match x {
                    TorchValue::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect(),
        ));
    }
    if all(|x| matches!(x, TorchValue::Str(_))) {
        return Ok(IValue::StringList(
            items
                .iter()
                .filter_map(|x| match x {
                    TorchValue::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
        ));
    }
    if all(|x| matches!(x, TorchValue::Tensor(_))) {
        let mut tensors = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            if let TorchValue::Tensor(t) = x {
                tensors.push(tensor_to_tch(t, device, &format!("{at}[{i}]"))?);
            }
        }
        return Ok(IValue::TensorList(tensors));
    }
    Ok(IValue::GenericList(
        items
            .iter()
            .enumerate()
            .map(|(i, x)| to_ivalue(x, device, &format!("{at}[{i}]")))
            .collect::<Result<_, _>>()?,
    ))
}

fn tensor_from_tch(t: &Tensor, at: &str) -> Result<TensorValue, BackendError> {
    let err = tch_err(at);
    let kind = t.f_kind().map_err(&err)?;
    let shape = t.size();
    let flat = t
        .f_to_device(Device::Cpu)
        .and_then(|x| x.f_contiguous())
        .and_then(|x| x.f_reshape([-1]))
        .map_err(&err)?;
    let (dtype, data) = match kind {
        Kind::Float => (
            DType::Float32,
            TensorData::F32(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Half => (
            DType::Float16,
            TensorData::F32(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::BFloat16 => (
            DType::BFloat16,
            TensorData::F32(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Double => (
            DType::Float64,
            TensorData::F64(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Int64 => (
            DType::Int64,
            TensorData::I64(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Int => (
            DType::Int32,
            TensorData::I32(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Int16 => (
            DType::Int16,
            TensorData::I16(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Int8 => (
            DType::Int8,
            TensorData::I8(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Uint8 => (
            DType::UInt8,
            TensorData::U8(Vec::try_from(&flat).map_err(&err)?),
        ),
        Kind::Bool => (
            DType::Bool,
            TensorData::Bool(Vec::try_from(&flat).map_err(&err)?),
        ),
        other => {
            return Err(BackendError::Inference(format!(
                "{at}: the model returned a {other:?} tensor, which results cannot carry"
            )))
        }
    };
    Ok(TensorValue {
        dtype,
        shape,
        data,
        cast: None,
    })
}

/// A TorchScript return value in the job notation (tensors copied to the CPU).
fn from_ivalue(v: IValue, at: &str) -> Result<TorchValue, BackendError> {
    let list = |items: Vec<IValue>, at: &str| -> Result<Vec<TorchValue>, BackendError> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, x)| from_ivalue(x, &format!("{at}[{i}]")))
            .collect()
    };
    Ok(match v {
        IValue::None => TorchValue::None,
        IValue::Tensor(t) => TorchValue::Tensor(tensor_from_tch(&t, at)?),
        IValue::Double(f) => TorchValue::Float(f),
        IValue::Int(i) => TorchValue::Int(i),
        IValue::Bool(b) => TorchValue::Bool(b),
        IValue::String(s) => TorchValue::Str(s),
        IValue::Tuple(items) => TorchValue::Tuple(list(items, at)?),
        IValue::GenericList(items) => TorchValue::List(list(items, at)?),
        IValue::IntList(v) => TorchValue::List(v.into_iter().map(TorchValue::Int).collect()),
        IValue::DoubleList(v) => TorchValue::List(v.into_iter().map(TorchValue::Float).collect()),
        IValue::BoolList(v) => TorchValue::List(v.into_iter().map(TorchValue::Bool).collect()),
        IValue::StringList(v) => TorchValue::List(v.into_iter().map(TorchValue::Str).collect()),
        IValue::TensorList(v) => TorchValue::List(
            v.iter()
                .enumerate()
                .map(|(i, t)| tensor_from_tch(t, &format!("{at}[{i}]")).map(TorchValue::Tensor))
                .collect::<Result<_, _>>()?,
        ),
        IValue::GenericDict(kv) => TorchValue::Dict(
            kv.into_iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    Ok((
                        from_ivalue(k, &format!("{at}.key[{i}]"))?,
                        from_ivalue(v, &format!("{at}.value[{i}]"))?,
                    ))
                })
                .collect::<Result<_, BackendError>>()?,
        ),
        IValue::Device(d) => TorchValue::Str(format!("{d:?}")),
        IValue::Object(_) => {
            return Err(BackendError::Inference(format!(
                "{at}: the model returned a TorchScript object, which results cannot carry"
            )))
        }
        _ => {
            return Err(BackendError::Inference(format!(
                "{at}: the model returned a value of a kind results cannot carry"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_preferences_parse() {
        assert_eq!("auto".parse(), Ok(DevicePreference::Auto));
        assert_eq!("cpu".parse(), Ok(DevicePreference::Cpu));
        assert_eq!("cuda".parse(), Ok(DevicePreference::Cuda(0)));
        assert_eq!("cuda:3".parse(), Ok(DevicePreference::Cuda(3)));
        assert!("gpu".parse::<DevicePreference>().is_err());
        assert!("cuda:x".parse::<DevicePreference>().is_err());
    }

    #[test]
    fn parameter_sizes() {
        assert_eq!(parameter_size(309_000), "309K");
        assert_eq!(parameter_size(1_240_000), "1.2M");
        assert_eq!(parameter_size(7_000_000_000), "7.0B");
        assert_eq!(parameter_size(12), "12");
    }

    #[test]
    fn tensors_round_trip_through_libtorch() {
        let cases = [
            TensorValue::f32(vec![2, 2], vec![1.0, -2.5, 0.0, 3.25]),
            TensorValue {
                dtype: DType::Int16,
                shape: vec![3],
                data: TensorData::I16(vec![-32768, 0, 32767]),
                cast: None,
            },
            TensorValue {
                dtype: DType::Bool,
                shape: vec![1, 2],
                data: TensorData::Bool(vec![true, false]),
                cast: None,
            },
            TensorValue {
                dtype: DType::Float16,
                shape: vec![2],
                data: TensorData::F32(vec![0.5, -1.0]),
                cast: None,
            },
            TensorValue {
                dtype: DType::Int64,
                shape: vec![],
                data: TensorData::I64(vec![42]),
                cast: None,
            },
        ];
        for t in cases {
            let tch = tensor_to_tch(&t, Device::Cpu, "t").unwrap();
            assert_eq!(tensor_from_tch(&tch, "t").unwrap(), t);
        }
        let half = TensorValue {
            dtype: DType::Float16,
            shape: vec![2],
            data: TensorData::F32(vec![0.5, -1.0]),
            cast: Some(DType::Float32),
        };
        let tch = tensor_to_tch(&half, Device::Cpu, "t").unwrap();
        assert_eq!(tch.kind(), Kind::Float);
        assert_eq!(
            tensor_from_tch(&tch, "t").unwrap(),
            TensorValue::f32(vec![2], vec![0.5, -1.0])
        );
    }

    #[test]
    fn lists_get_torchscript_types() {
        let d = Device::Cpu;
        let ints = [TorchValue::Int(1), TorchValue::Int(2)];
        assert_eq!(
            list_to_ivalue(&ints, d, "l").unwrap(),
            IValue::IntList(vec![1, 2])
        );
        let mixed = [TorchValue::Int(1), TorchValue::Float(0.5)];
        assert_eq!(
            list_to_ivalue(&mixed, d, "l").unwrap(),
            IValue::DoubleList(vec![1.0, 0.5])
        );
        let other = [TorchValue::Int(1), TorchValue::Str("a".into())];
        assert_eq!(
            list_to_ivalue(&other, d, "l").unwrap(),
            IValue::GenericList(vec![IValue::Int(1), IValue::String("a".into())])
        );
    }
}
