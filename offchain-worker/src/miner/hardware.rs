//! What this machine offers: GPUs via `nvidia-smi`, else the CPU.

use crate::backend::ComputeDevice;
use std::process::Command;

/// Detected compute hardware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectedHardware {
    /// GPU model, or `CPU (<model name>)` when there is no GPU.
    pub model: String,
    /// Number of GPUs (1 for a CPU).
    pub count: u32,
    /// Memory per GPU in MiB (system memory for a CPU).
    pub memory_mb: u32,
}

/// Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`.
pub fn parse_nvidia_smi(csv: &str) -> Option<DetectedHardware> {
    let gpus = parse_gpus(csv);
    let (model, memory_mb) = gpus.first()?.clone();
    Some(DetectedHardware {
        model,
        count: gpus.len() as u32,
        memory_mb,
    })
}

/// Each GPU of that output as (model, memory MiB), in CUDA ordinal order.
fn parse_gpus(csv: &str) -> Vec<(String, u32)> {
    csv.lines()
        .filter_map(|l| {
            let (name, mem) = l.rsplit_once(',')?;
            let name = name.trim().trim_start_matches("NVIDIA ").to_string();
            Some((name, mem.trim().parse().ok()?))
        })
        .collect()
}

fn nvidia_smi() -> Option<String> {
    Command::new("nvidia-smi")
        .args([
            "--query-gpu=name,memory.total",
            "--format=csv,noheader,nounits",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

fn cpu() -> DetectedHardware {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let name = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: u64 = meminfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")
                .and_then(|r| r.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0);
    DetectedHardware {
        model: format!("CPU ({name})"),
        count: 1,
        memory_mb: (mem_kb / 1024) as u32,
    }
}

/// GPUs if `nvidia-smi` lists any, else the CPU.
pub fn detect() -> DetectedHardware {
    nvidia_smi()
        .and_then(|csv| parse_nvidia_smi(&csv))
        .unwrap_or_else(cpu)
}

/// The hardware a backend that picked `device` runs on: the CPU for `Cpu` (even on a machine
/// with GPUs), that one GPU for `Cuda(i)`; `None` (the backend does not say) is `detect()`.
pub fn detect_for(device: Option<ComputeDevice>) -> DetectedHardware {
    match device {
        None => detect(),
        Some(ComputeDevice::Cpu) => cpu(),
        Some(ComputeDevice::Cuda(i)) => {
            let visible = std::env::var("CUDA_VISIBLE_DEVICES").ok();
            gpu(
                nvidia_smi().as_deref().unwrap_or(""),
                physical_index(visible.as_deref(), i),
            )
        }
    }
}

/// `nvidia-smi` lists every GPU, CUDA only the visible ones: `cuda:1` under
/// `CUDA_VISIBLE_DEVICES=2,3` is GPU 3. UUID lists are not mapped (the ordinal is kept).
fn physical_index(visible: Option<&str>, ordinal: usize) -> usize {
    visible
        .and_then(|v| v.split(',').nth(ordinal))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(ordinal)
}

/// GPU `ordinal` of the `nvidia-smi` output, or a generic name when it is not listed there.
fn gpu(csv: &str, ordinal: usize) -> DetectedHardware {
    match parse_gpus(csv).get(ordinal) {
        Some((model, memory_mb)) => DetectedHardware {
            model: model.clone(),
            count: 1,
            memory_mb: *memory_mb,
        },
        None => DetectedHardware {
            model: format!("CUDA GPU {ordinal}"),
            count: 1,
            memory_mb: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_two_gpus() {
        let hw = parse_nvidia_smi("NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n")
            .unwrap();
        assert_eq!(
            hw,
            DetectedHardware {
                model: "H100 80GB HBM3".into(),
                count: 2,
                memory_mb: 81559
            }
        );
        assert!(parse_nvidia_smi("").is_none());
    }

    #[test]
    fn a_cuda_backend_registers_its_own_gpu() {
        let csv = "NVIDIA H100 80GB HBM3, 81559\nNVIDIA A100-SXM4-40GB, 40960\n";
        assert_eq!(
            gpu(csv, 1),
            DetectedHardware {
                model: "A100-SXM4-40GB".into(),
                count: 1,
                memory_mb: 40960
            }
        );
        assert_eq!(gpu("", 0).model, "CUDA GPU 0");
        assert_eq!(physical_index(Some("2,3"), 1), 3);
        assert_eq!(physical_index(None, 1), 1);
        assert_eq!(physical_index(Some("GPU-8f0e"), 0), 0);
        assert!(detect_for(Some(ComputeDevice::Cpu))
            .model
            .starts_with("CPU ("));
    }

    #[test]
    fn cpu_fallback_names_the_cpu() {
        let hw = cpu();
        assert!(hw.model.starts_with("CPU ("));
        assert_eq!(hw.count, 1);
    }
}
