//! What this machine offers: GPUs via `nvidia-smi`, else the CPU.

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
    let gpus: Vec<(String, u32)> = csv
        .lines()
        .filter_map(|l| {
            let (name, mem) = l.rsplit_once(',')?;
            Some((name.trim().to_string(), mem.trim().parse().ok()?))
        })
        .collect();
    let (model, memory_mb) = gpus.first()?.clone();
    Some(DetectedHardware {
        model: model.trim_start_matches("NVIDIA ").to_string(),
        count: gpus.len() as u32,
        memory_mb,
    })
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
    Command::new("nvidia-smi")
        .args([
            "--query-gpu=name,memory.total",
            "--format=csv,noheader,nounits",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| parse_nvidia_smi(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or_else(cpu)
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
    fn cpu_fallback_names_the_cpu() {
        let hw = cpu();
        assert!(hw.model.starts_with("CPU ("));
        assert_eq!(hw.count, 1);
    }
}
