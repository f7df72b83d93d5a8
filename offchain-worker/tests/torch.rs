//! The torch backend against the real silero-vad TorchScript model (PyPI `silero-vad==6.2.3`,
//! `silero_vad.jit`) on libtorch 2.11, on the CPU. Needs the `torch` feature and
//! `scripts/fetch-libtorch.sh`; `scripts/test.sh` runs it:
//! `cargo test --workspace --features aitbc-worker/torch --test torch`.

#![cfg(feature = "torch")]

use aitbc_worker::backend::torch::{
    default_models_dir, DevicePreference, TorchBackend, TorchConfig,
};
use aitbc_worker::backend::torch_io::{TensorValue, TorchInput, TorchValue};
use aitbc_worker::backend::{
    BackendError, ChatMessage, ComputeDevice, GenerateOptions, GenerateRequest, InferenceBackend,
    Prompt, Role,
};
use base64::Engine as _;
use std::f32::consts::PI;
use std::sync::{Arc, OnceLock};

const SR: usize = 16_000;
const SILERO_SHA256: &str = "e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720";

fn models_dir() -> std::path::PathBuf {
    let dir = default_models_dir();
    assert!(
        dir.join("silero_vad.jit").is_file(),
        "silero_vad.jit is missing in {}: run scripts/fetch-libtorch.sh first",
        dir.display()
    );
    dir
}

/// One backend on the CPU, shared by the tests.
fn backend() -> Arc<TorchBackend> {
    static BACKEND: OnceLock<Arc<TorchBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let mut config = TorchConfig::new(Some(models_dir()));
            config.model = Some("silero_vad".into());
            config.device = DevicePreference::Cpu;
            Arc::new(TorchBackend::load(config).expect("load silero_vad.jit"))
        })
        .clone()
}

fn silence(seconds: f32) -> Vec<f32> {
    vec![0.0; (seconds * SR as f32) as usize]
}

fn tone(seconds: f32, hz: f32) -> Vec<f32> {
    (0..(seconds * SR as f32) as usize)
        .map(|i| 0.5 * (2.0 * PI * hz * i as f32 / SR as f32).sin())
        .collect()
}

/// A crude voiced vowel /a/: a glottal pulse train (f0 120 Hz with a slow glide) through three
/// formant resonators (700, 1220, 2600 Hz), with a 4 Hz syllable envelope.
fn vowel(seconds: f32) -> Vec<f32> {
    let n = (seconds * SR as f32) as usize;
    let mut phase = 0.0f32;
    let mut src = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f32 / SR as f32;
        let f0 = 120.0 + 20.0 * (2.0 * PI * 0.5 * t).sin();
        phase += f0 / SR as f32;
        let pulse = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        src.push(pulse);
    }
    let mut y = src;
    for (f, bw) in [(700.0f32, 130.0f32), (1220.0, 70.0), (2600.0, 160.0)] {
        let r = (-PI * bw / SR as f32).exp();
        let a1 = 2.0 * r * (2.0 * PI * f / SR as f32).cos();
        let a2 = -r * r;
        let (mut y1, mut y2) = (0.0f32, 0.0f32);
        for s in y.iter_mut() {
            let out = *s + a1 * y1 + a2 * y2;
            y2 = y1;
            y1 = out;
            *s = out;
        }
    }
    let peak = y.iter().fold(0.0f32, |m, s| m.max(s.abs())).max(1e-9);
    y.iter()
        .enumerate()
        .map(|(i, s)| {
            let t = i as f32 / SR as f32;
            let env = 0.5 - 0.5 * (2.0 * PI * 4.0 * t).cos();
            0.6 * s / peak * env
        })
        .collect()
}

fn audio_job(samples: &[f32], sr: i64) -> TorchInput {
    TorchInput {
        method: "audio_forward".into(),
        inputs: vec![
            TorchValue::Tensor(TensorValue::f32(
                vec![1, samples.len() as i64],
                samples.to_vec(),
            )),
            TorchValue::Int(sr),
        ],
    }
}

/// Speech probability per 32 ms chunk (silero's `audio_forward` at 16 kHz).
fn probabilities(samples: &[f32]) -> Vec<f32> {
    let run = backend()
        .run_blocking("silero_vad", &audio_job(samples, SR as i64))
        .expect("audio_forward");
    let TorchValue::Tensor(t) = run.output else {
        panic!("audio_forward returned {:?}", run.output);
    };
    let chunks = samples.len().div_ceil(512) as i64;
    assert_eq!(
        t.shape,
        vec![1, chunks],
        "one probability per 512-sample chunk"
    );
    let p = t.as_f32().expect("float probabilities");
    assert!(
        p.iter().all(|x| (0.0..=1.0).contains(x)),
        "probabilities out of [0, 1]: {p:?}"
    );
    p
}

fn max(v: &[f32]) -> f32 {
    v.iter().fold(0.0, |m, &x| m.max(x))
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

fn request(model: &str, prompt: Prompt) -> GenerateRequest {
    GenerateRequest {
        model: model.into(),
        prompt,
        options: GenerateOptions::default(),
    }
}

fn job_text(samples: &[f32]) -> String {
    serde_json::to_string(&audio_job(samples, SR as i64).to_json()).unwrap()
}

#[test]
fn serves_silero_vad_on_the_cpu() {
    let b = backend();
    assert_eq!(b.compute_device(), ComputeDevice::Cpu);
    assert_eq!(b.device(), Some(ComputeDevice::Cpu));
    assert_eq!(b.name(), "torch");
    let infos = b.infos();
    assert_eq!(infos.len(), 1);
    let m = &infos[0];
    assert_eq!(m.name, "silero_vad");
    assert_eq!(m.family.as_deref(), Some("torchscript"));
    assert_eq!(
        m.digest.as_deref(),
        Some(&*format!("sha256:{SILERO_SHA256}"))
    );
    assert_eq!(m.size_bytes, Some(2_272_526));
    assert!(m.answers_to("silero_vad") && m.answers_to("silero_vad:latest"));
}

#[test]
fn silence_is_not_speech_and_a_voiced_vowel_scores_higher() {
    let quiet = probabilities(&silence(2.0));
    let beep = probabilities(&tone(2.0, 440.0));
    let voiced = probabilities(&vowel(2.0));
    for (name, p) in [
        ("silence", &quiet),
        ("440 Hz tone", &beep),
        ("vowel", &voiced),
    ] {
        eprintln!("{name}: mean {:.4} max {:.4}", mean(p), max(p));
    }
    // silero calls a chunk speech at probability 0.5 (its default threshold).
    // Digital silence and a steady beep stay far under it, in every chunk.
    assert!(max(&quiet) < 0.1, "silence: {quiet:?}");
    assert!(max(&beep) < 0.1, "440 Hz tone: {beep:?}");
    // The onset of a voiced, formant-shaped vowel crosses it (the model then adapts to the
    // synthetic signal's monotony, so only the maximum is asserted).
    assert!(max(&voiced) > 0.5, "vowel: {voiced:?}");
    assert!(mean(&voiced) > 5.0 * mean(&quiet).max(mean(&beep)));
}

#[test]
fn a_reused_module_would_leak_state_between_jobs() {
    // The control for `every_job_runs_on_a_fresh_module`: on one instance, silero's forward()
    // answers the same silent chunk differently after it has heard the vowel.
    let module = tch::CModule::load(models_dir().join("silero_vad.jit")).unwrap();
    let _no_grad = tch::no_grad_guard();
    let call = |s: &[f32]| -> f64 {
        let x = tch::Tensor::from_slice(&s[..512]).reshape([1, 512]);
        let out = module
            .forward_is(&[tch::IValue::Tensor(x), tch::IValue::Int(16000)])
            .unwrap();
        let tch::IValue::Tensor(p) = out else {
            panic!("forward returned {out:?}");
        };
        p.double_value(&[0, 0])
    };
    let quiet = silence(0.1);
    let first = call(&quiet);
    call(&vowel(0.1));
    let after = call(&quiet);
    assert_ne!(first, after, "silero's state did not carry over");
}

#[test]
fn every_job_runs_on_a_fresh_module() {
    // silero keeps RNN state between forward calls; a job must not see the previous job's.
    let b = backend();
    let chunk = |s: &[f32]| TorchInput {
        method: "forward".into(),
        inputs: vec![
            TorchValue::Tensor(TensorValue::f32(vec![1, 512], s[..512].to_vec())),
            TorchValue::Int(SR as i64),
        ],
    };
    let quiet = chunk(&silence(0.1));
    let first = b.run_blocking("silero_vad", &quiet).unwrap().output;
    b.run_blocking("silero_vad", &chunk(&vowel(0.1)[..]))
        .unwrap();
    let again = b.run_blocking("silero_vad", &quiet).unwrap().output;
    assert_eq!(first, again);
    let TorchValue::Tensor(t) = first else {
        panic!("forward returned {first:?}");
    };
    assert_eq!(t.shape, vec![1, 1]);
}

#[tokio::test]
async fn a_job_prompt_in_json_and_base64_gives_the_same_result() {
    let b = backend();
    let audio = vowel(0.5);
    let r = b
        .generate(request("silero_vad", Prompt::text(job_text(&audio))))
        .await
        .expect("generate");
    let out: serde_json::Value = serde_json::from_str(&r.text).expect("result is JSON");
    assert_eq!(out["dtype"], "float32");
    assert_eq!(out["shape"], serde_json::json!([1, 16]));
    assert_eq!(out["data"].as_array().map(Vec::len), Some(16));
    assert_eq!(r.model, "silero_vad");
    assert_eq!(r.input_tokens as usize, audio.len() + 1);
    assert_eq!(r.output_tokens, 16);
    assert!(!r.timings.eval.is_zero() && r.timings.total >= r.timings.eval);

    // The same samples as raw little-endian float32 bytes.
    let bytes: Vec<u8> = audio.iter().flat_map(|s| s.to_le_bytes()).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let prompt = format!(
        r#"{{"method": "audio_forward", "inputs": [{{"dtype": "float32", "shape": [1, {}], "base64": "{b64}"}}, 16000]}}"#,
        audio.len()
    );
    let r2 = b
        .generate(request("silero_vad:latest", Prompt::text(prompt)))
        .await
        .expect("generate base64");
    assert_eq!(r.text, r2.text);

    // Half the bytes: float16 samples, cast to the float32 the model takes.
    let half = tch::Tensor::from_slice(&audio)
        .to_kind(tch::Kind::Half)
        .view_dtype(tch::Kind::Int16);
    let bits = Vec::<i16>::try_from(&half).unwrap();
    let bytes: Vec<u8> = bits.iter().flat_map(|s| s.to_le_bytes()).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let prompt = format!(
        r#"{{"method": "audio_forward", "inputs": [{{"dtype": "float16", "shape": [1, {}], "base64": "{b64}", "cast": "float32"}}, 16000]}}"#,
        audio.len()
    );
    let r3 = b
        .generate(request("silero_vad", Prompt::text(prompt)))
        .await
        .expect("generate float16");
    let probs = |text: &str| -> Vec<f64> {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let (p32, p16) = (probs(&r.text), probs(&r3.text));
    assert_eq!(p32.len(), p16.len());
    for (a, b) in p32.iter().zip(&p16) {
        assert!((a - b).abs() < 0.02, "float32 {p32:?} vs float16 {p16:?}");
    }

    // Streaming sends the result as one piece.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let r4 = b
        .generate_stream(
            request("silero_vad", Prompt::text(job_text(&audio))),
            Some(tx),
        )
        .await
        .expect("stream");
    assert_eq!(rx.recv().await.as_deref(), Some(r4.text.as_str()));
}

fn run_err(prompt: &str) -> BackendError {
    backend()
        .generate_blocking(&request("silero_vad", Prompt::text(prompt)))
        .expect_err(prompt)
}

#[test]
fn malformed_jobs_are_refused_before_the_model_runs() {
    let e = run_err("Is anyone speaking?");
    assert!(
        matches!(&e, BackendError::InvalidRequest(m) if m.contains("not JSON")),
        "{e}"
    );
    let e = run_err(
        r#"{"method": "audio_forward", "inputs": [{"dtype": "float32", "shape": [1, 600], "data": [0.0]}, 16000]}"#,
    );
    assert!(
        matches!(&e, BackendError::InvalidRequest(m) if m.contains("needs 600 elements")),
        "{e}"
    );
    let e = backend()
        .generate_blocking(&request(
            "silero_vad",
            Prompt::Chat(vec![ChatMessage::new(Role::User, "hi")]),
        ))
        .expect_err("chat");
    assert!(matches!(e, BackendError::InvalidRequest(_)), "{e}");
    let e = backend()
        .generate_blocking(&request("resnet50", Prompt::text(job_text(&silence(0.1)))))
        .expect_err("unknown model");
    assert!(
        matches!(&e, BackendError::UnknownModel { served, .. } if served == &["silero_vad"]),
        "{e}"
    );
}

#[test]
fn the_models_own_errors_come_back_short_and_clear() {
    // Wrong sample rate: silero raises ValueError from its TorchScript code.
    let e = backend()
        .run_blocking("silero_vad", &audio_job(&silence(0.1), 44_100))
        .expect_err("44.1 kHz");
    eprintln!("{e}");
    assert!(
        matches!(&e, BackendError::Inference(m) if m.contains("silero_vad.audio_forward") && m.contains("Supported sampling rates")),
        "{e}"
    );
    assert!(e.to_string().len() < 400, "{e}");
    // A chunk of the wrong size for forward().
    let job = TorchInput {
        method: "forward".into(),
        inputs: vec![
            TorchValue::Tensor(TensorValue::f32(vec![1, 600], vec![0.0; 600])),
            TorchValue::Int(16000),
        ],
    };
    let e = backend()
        .run_blocking("silero_vad", &job)
        .expect_err("600 samples");
    eprintln!("{e}");
    assert!(
        e.to_string().contains("Provided number of samples is 600"),
        "{e}"
    );
    // A method the module does not have.
    let job = TorchInput {
        method: "transcribe".into(),
        inputs: vec![],
    };
    let e = backend()
        .run_blocking("silero_vad", &job)
        .expect_err("no such method");
    eprintln!("{e}");
    assert!(e.to_string().contains("transcribe"), "{e}");
    // The wrong argument types.
    let job = TorchInput {
        method: "audio_forward".into(),
        inputs: vec![TorchValue::Str("loud".into()), TorchValue::Int(16000)],
    };
    let e = backend()
        .run_blocking("silero_vad", &job)
        .expect_err("a string for a tensor");
    eprintln!("{e}");
    assert!(matches!(e, BackendError::Inference(_)), "{e}");
}

#[test]
fn model_directories_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TorchConfig::new(Some(dir.path().join("nope")));
    config.device = DevicePreference::Cpu;
    let e = TorchBackend::load(config.clone())
        .err()
        .expect("missing dir");
    assert!(e.to_string().contains("fetch-libtorch.sh"), "{e}");

    config.models_dir = dir.path().to_path_buf();
    let e = TorchBackend::load(config.clone()).err().expect("empty dir");
    assert!(e.to_string().contains("no TorchScript model"), "{e}");

    std::fs::write(dir.path().join("broken.pt"), b"not a zip archive").unwrap();
    let e = TorchBackend::load(config.clone())
        .err()
        .expect("broken model");
    assert!(
        matches!(&e, BackendError::ModelLoad { path, .. } if path.ends_with("broken.pt")),
        "{e}"
    );

    config.models_dir = models_dir();
    config.model = Some("whisper".into());
    let e = TorchBackend::load(config.clone())
        .err()
        .expect("unknown --model");
    assert!(e.to_string().contains("silero_vad"), "{e}");

    if !tch::Cuda::is_available() {
        config.model = None;
        config.device = DevicePreference::Cuda(0);
        let e = TorchBackend::load(config).err().expect("no CUDA");
        assert!(matches!(e, BackendError::DeviceUnavailable(_)), "{e}");
    }
}
