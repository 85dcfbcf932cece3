//! `nla`: the native command line over the same core the page runs.
//!
//!   nla train   [options]   continuous learning on MNIST, then the official-test accuracy
//!   nla compare [options]   the integrators / lookahead modes side by side on the same digits
//!   nla bench   [options] [--session]   simulation steps/s of the network (training on, one thread);
//!               --session: of the page's whole learning loop (stream, answers, probes)
//!   nla check   theorem1|theorem2|eq13|delay|energy|all   the paper's claims, as figures
//!   nla ieeg    [--hidden A,B] [--train-seconds N] [--file rec.csv|rec.edf] [--hidden-neurons H]
//!               [--eta E] [--beta B] [--seed S] [--json]   pattern completion on human iEEG:
//!               test-window R² of the network and of the least-squares baseline, per channel
//!
//! Options: --samples N  --seed S  --layers 784-300-10  --dt MS  --tau MS  --beta B  --eta E
//!          --steps-per-sample K  --integrator sweep|previous-udot  --lookahead advanced|first-order|none
//!          --feedback weight-transport|random|microcircuit  --interneurons M  --nudging mixed|one-to-one
//!          --beta-i B  --eta-ip E  --eta-pi E  --test-size N  --seconds S (bench)  --json
//!          --init-scales 1,0.1 (per weight layer, on N(0, 1/n_in))
//!          --eta-halving N (schedule: all rates × max(0.1, 1/(1 + digits/N)); 0 = constant)
//!          --decay-after N (digits; then η, η_ip, η_pi drop to --eta-final, default η/10)
//!          --report-every N (digits; prints accuracy on 1000 test digits, alignment angles)

use nla_playground::data_files;
use nla_playground::network::{
    Feedback, Integrator, InterneuronNudging, Lookahead, NetConfig, Network, StepInput,
};
use nla_playground::observe;
use nla_playground::rng::Rng;
use nla_playground::session::{Session, TaskConfig};
use std::collections::HashMap;
use std::time::Instant;

struct Args {
    cmd: String,
    positional: Vec<String>,
    flags: Vec<String>,
    opts: HashMap<String, String>,
    json: bool,
}

fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("nla: {msg}");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().unwrap_or_else(|| "help".into());
    let mut opts = HashMap::new();
    let mut flags = vec![];
    let mut positional = vec![];
    while let Some(a) = it.next() {
        match a.as_str() {
            s if s.starts_with("--") && FLAGS.contains(&&s[2..]) => flags.push(s[2..].to_string()),
            s if s.starts_with("--") => {
                if !KNOWN_OPTIONS.contains(&&s[2..]) {
                    die(format!("unknown option {s} (see `nla help`)"));
                }
                let v = it
                    .next()
                    .unwrap_or_else(|| die(format!("{s} needs a value")));
                opts.insert(s[2..].to_string(), v);
            }
            s => positional.push(s.to_string()),
        }
    }
    let json = flags.iter().any(|f| f == "json");
    Args {
        cmd,
        positional,
        flags,
        opts,
        json,
    }
}

/// Every option any subcommand understands; anything else is refused (a typo must not
/// silently run the default).
const KNOWN_OPTIONS: &[&str] = &[
    "samples",
    "seed",
    "layers",
    "dt",
    "tau",
    "beta",
    "eta",
    "steps-per-sample",
    "integrator",
    "lookahead",
    "feedback",
    "interneurons",
    "nudging",
    "beta-i",
    "eta-ip",
    "eta-pi",
    "init-scales",
    "eta-halving",
    "decay-after",
    "eta-final",
    "report-every",
    "test-size",
    "seconds",
    "presentations",
    "etas",
    "what",
    "hidden",
    "train-seconds",
    "hidden-neurons",
    "file",
];

/// Options that take no value.
const FLAGS: &[&str] = &["json", "skip-previous-udot", "session"];

impl Args {
    fn get<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        match self.opts.get(key) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| die(format!("--{key}: cannot parse {v:?}"))),
        }
    }

    fn net_config(&self) -> NetConfig {
        let d = NetConfig::default();
        let layers = match self.opts.get("layers") {
            None => d.layers.clone(),
            Some(s) => s
                .split('-')
                .map(|n| {
                    n.parse()
                        .unwrap_or_else(|_| die(format!("--layers: bad size {n:?}")))
                })
                .collect(),
        };
        let integrator = match self.opts.get("integrator").map(String::as_str) {
            None | Some("sweep") => Integrator::Sweep,
            Some("previous-udot") => Integrator::PreviousUdot,
            Some(o) => die(format!("--integrator: {o:?} is not sweep or previous-udot")),
        };
        // The previous-u̇ integrator is the paper's form with the first-order rate.
        let default_lookahead = if integrator == Integrator::PreviousUdot {
            "first-order"
        } else {
            "advanced"
        };
        let lookahead = parse_lookahead(
            self.opts
                .get("lookahead")
                .map(String::as_str)
                .unwrap_or(default_lookahead),
        );
        let c = NetConfig {
            layers,
            tau: self.get("tau", d.tau),
            dt: self.get("dt", d.dt),
            beta: self.get("beta", d.beta),
            eta: self.get("eta", d.eta),
            eta_layer_factors: vec![],
            init_scales: match self.opts.get("init-scales") {
                None => vec![],
                Some(v) => v
                    .split(',')
                    .map(|f| {
                        f.parse()
                            .unwrap_or_else(|_| die(format!("--init-scales: bad factor {f:?}")))
                    })
                    .collect(),
            },
            integrator,
            lookahead,
            feedback: match self.opts.get("feedback").map(String::as_str) {
                None | Some("weight-transport") => Feedback::WeightTransport,
                Some("random") => Feedback::Random,
                Some("microcircuit") => Feedback::Microcircuit,
                Some(o) => die(format!(
                    "--feedback: {o:?} is not weight-transport, random or microcircuit"
                )),
            },
            interneurons: self.get("interneurons", d.interneurons),
            interneuron_nudging: match self.opts.get("nudging").map(String::as_str) {
                None | Some("mixed") => InterneuronNudging::Mixed,
                Some("one-to-one") => InterneuronNudging::OneToOne,
                Some(o) => die(format!("--nudging: {o:?} is not mixed or one-to-one")),
            },
            beta_i: self.get("beta-i", d.beta_i),
            eta_ip: self.get("eta-ip", d.eta_ip),
            eta_pi: self.get("eta-pi", d.eta_pi),
        };
        c.validate()
            .unwrap_or_else(|e| die(format!("invalid configuration: {e}")));
        c
    }

    fn task_config(&self) -> TaskConfig {
        let d = TaskConfig::default();
        TaskConfig {
            steps_per_sample: self.get("steps-per-sample", d.steps_per_sample),
            eta_halving_digits: self.get("eta-halving", d.eta_halving_digits),
            ..d
        }
    }
}

fn parse_lookahead(s: &str) -> Lookahead {
    match s {
        "advanced" => Lookahead::Advanced,
        "first-order" => Lookahead::FirstOrder,
        "none" => Lookahead::None,
        o => die(format!(
            "--lookahead: {o:?} is not advanced, first-order or none"
        )),
    }
}

struct RunResult {
    accuracy: f64,
    test_digits: usize,
    samples: u64,
    sim_time_s: f64,
    wall_s: f64,
    steps_per_s: f64,
    diverged_at: Option<u64>,
}

/// How one training run is done and reported.
struct RunOptions {
    seed: u64,
    samples: usize,
    test_size: usize,
    progress: bool,
    /// Print accuracy on 1,000 test digits and the alignment angles every this many digits.
    report_every: usize,
    /// After this many digits (0: never), η (and η_ip, η_pi in proportion) drop to `eta_final`.
    decay_after: usize,
    eta_final: f32,
}

impl RunOptions {
    fn plain(seed: u64, samples: usize, test_size: usize) -> Self {
        RunOptions {
            seed,
            samples,
            test_size,
            progress: false,
            report_every: 0,
            decay_after: 0,
            eta_final: 0.0,
        }
    }
}

fn run(net: NetConfig, task: TaskConfig, o: &RunOptions) -> RunResult {
    let RunOptions {
        seed,
        samples,
        test_size,
        progress,
        report_every,
        decay_after,
        eta_final,
    } = *o;
    let mut s = Session::new(net, task.clone(), seed).unwrap_or_else(|e| die(e));
    s.train = data_files::load_train(samples.min(60_000)).unwrap_or_else(|e| die(e));
    s.test = data_files::load_test().unwrap_or_else(|e| die(e));
    let t0 = Instant::now();
    let total_steps = samples * task.steps_per_sample;
    // Train in chunks of whole digits that divide the report interval, so reports land on it.
    let chunk_digits = if report_every > 0 {
        report_every.min(500)
    } else {
        500
    };
    let chunk = task.steps_per_sample * chunk_digits;
    let mut done = 0;
    let mut diverged_at = None;
    while done < total_steps {
        let n = chunk.min(total_steps - done);
        if s.train_steps(n).is_err() {
            diverged_at = Some(s.samples_seen);
            break;
        }
        done += n;
        if decay_after > 0 && s.samples_seen as usize >= decay_after && s.net.config.eta > eta_final
        {
            // The paper lowers η tenfold late in training (Methods: 1e-3 → 1e-4 after 22,000 s).
            let f = eta_final / s.net.config.eta;
            s.net.config.eta = eta_final;
            s.net.config.eta_ip *= f;
            s.net.config.eta_pi *= f;
        }
        if report_every > 0 && (s.samples_seen as usize).is_multiple_of(report_every) {
            let acc = s.test_accuracy(1000);
            let angles: Vec<String> = (0..s.net.circuits.len())
                .map(|l| {
                    format!(
                        "θ{} {:.1}° B∠Wᵀ {:.1}°",
                        l + 1,
                        observe::lateral_alignment_deg(&s.net, l),
                        observe::feedback_alignment_deg(&s.net, l)
                    )
                })
                .collect();
            let apical: Vec<String> = s.net.layers[..s.net.layers.len() - 1]
                .iter()
                .map(|l| format!("{:.4}", observe::rms(&l.apical)))
                .collect();
            eprintln!(
                "{:>7} digits: test(1000) {:.1} %  {}  apical rms {}",
                s.samples_seen,
                100.0 * acc,
                angles.join("  "),
                apical.join(" ")
            );
        }
        if progress {
            let frac = done as f64 / total_steps as f64;
            let bar = "#".repeat((frac * 30.0) as usize);
            eprint!(
                "\r[{bar:<30}] {:>6}/{samples} digits  {:.0} steps/s ",
                s.samples_seen,
                s.steps as f64 / t0.elapsed().as_secs_f64()
            );
        }
    }
    let train_wall = t0.elapsed().as_secs_f64();
    if progress {
        eprintln!();
    }
    let accuracy = s.test_accuracy(test_size);
    RunResult {
        accuracy,
        test_digits: test_size.min(s.test.len()),
        samples: s.samples_seen,
        sim_time_s: s.net.time / 1000.0,
        wall_s: t0.elapsed().as_secs_f64(),
        steps_per_s: s.steps as f64 / train_wall,
        diverged_at,
    }
}

fn result_json(r: &RunResult, net: &NetConfig, task: &TaskConfig, seed: u64) -> serde_json::Value {
    serde_json::json!({
        "test_accuracy": r.accuracy,
        "test_digits": r.test_digits,
        "training_samples": r.samples,
        "sim_time_s": r.sim_time_s,
        "wall_s": r.wall_s,
        "train_steps_per_s": r.steps_per_s,
        "diverged_at_sample": r.diverged_at,
        "seed": seed,
        "net": net,
        "task": task,
    })
}

fn cmd_train(a: &Args) {
    let (net, task) = (a.net_config(), a.task_config());
    let seed = a.get("seed", 1u64);
    let samples = a.get("samples", 10_000usize);
    let report_every = a.get("report-every", 0usize);
    let options = RunOptions {
        seed,
        samples,
        test_size: a.get("test-size", 10_000),
        progress: !a.json && report_every == 0,
        report_every,
        decay_after: a.get("decay-after", 0usize),
        eta_final: a.get("eta-final", net.eta / 10.0),
    };
    let r = run(net.clone(), task.clone(), &options);
    if a.json {
        println!("{}", result_json(&r, &net, &task, seed));
    } else {
        println!(
            "{} training digits ({:.1} s simulated, {:.1} s wall, {:.0} steps/s): official-test accuracy {:.2} % on {} digits{}",
            r.samples,
            r.sim_time_s,
            r.wall_s,
            r.steps_per_s,
            100.0 * r.accuracy,
            r.test_digits,
            r.diverged_at.map(|s| format!(" — DIVERGED at digit {s}, last finite weights kept")).unwrap_or_default()
        );
    }
}

/// Integrators and lookahead forms side by side on the same digits, for each presentation
/// time (`--presentations 5,10,50` ms; the paper's Fig. 4c2) and learning rate (`--etas`).
fn cmd_compare(a: &Args) {
    let seed = a.get("seed", 1u64);
    let samples = a.get("samples", 10_000usize);
    let base = a.net_config();
    let list = |key: &str, default: &str| -> Vec<f32> {
        a.opts
            .get(key)
            .map(String::as_str)
            .unwrap_or(default)
            .split(',')
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| die(format!("--{key}: bad value {v:?}")))
            })
            .collect()
    };
    let presentations = list("presentations", "10");
    let etas = list("etas", &base.eta.to_string());
    let mut variants: Vec<(&str, NetConfig)> = vec![
        (
            "sweep, advanced rate ρ(u+τu̇) [default]",
            NetConfig {
                integrator: Integrator::Sweep,
                lookahead: Lookahead::Advanced,
                ..base.clone()
            },
        ),
        (
            "sweep, first-order rate ρ(u)+τρ'u̇",
            NetConfig {
                integrator: Integrator::Sweep,
                lookahead: Lookahead::FirstOrder,
                ..base.clone()
            },
        ),
        (
            "sweep, no lookahead ρ(u)",
            NetConfig {
                integrator: Integrator::Sweep,
                lookahead: Lookahead::None,
                ..base.clone()
            },
        ),
    ];
    if !a.flags.iter().any(|f| f == "skip-previous-udot") {
        variants.push((
            "paper's previous-u̇ Euler, dt 0.1 ms",
            NetConfig {
                integrator: Integrator::PreviousUdot,
                lookahead: Lookahead::FirstOrder,
                dt: 0.1,
                ..base.clone()
            },
        ));
    }
    let mut rows = vec![];
    if !a.json {
        println!("{samples} training digits, official-test accuracy on 10,000 (seed {seed})");
    }
    for &eta in &etas {
        for &ms in &presentations {
            for (name, net) in &variants {
                let net = NetConfig { eta, ..net.clone() };
                let task = TaskConfig {
                    steps_per_sample: ((ms / net.dt).round() as usize).max(1),
                    ..a.task_config()
                };
                if let Err(e) = net.validate() {
                    eprintln!("{name}: skipped ({e})");
                    continue;
                }
                let r = run(
                    net.clone(),
                    task.clone(),
                    &RunOptions::plain(seed, samples, a.get("test-size", 10_000)),
                );
                if !a.json {
                    println!(
                        "η {eta:<6} {ms:>4} ms/digit  {name:<42} {:>6.2} %  ({:.0} steps/s){}",
                        100.0 * r.accuracy,
                        r.steps_per_s,
                        r.diverged_at
                            .map(|s| format!("  diverged at digit {s}"))
                            .unwrap_or_default()
                    );
                }
                rows.push(serde_json::json!({"variant": name, "presentation_ms": ms, "result": result_json(&r, &net, &task, seed)}));
            }
        }
    }
    if a.json {
        println!("{}", serde_json::Value::Array(rows));
    }
}

fn cmd_bench(a: &Args) {
    let net_cfg = a.net_config();
    let seconds = a.get("seconds", 3.0f64);
    let mut rng = Rng::new(a.get("seed", 1u64));
    let mut net = Network::new(net_cfg.clone(), &mut rng).unwrap_or_else(|e| die(e));
    let test = data_files::load_test().unwrap_or_else(|e| die(e));
    if a.flags.iter().any(|f| f == "session") {
        return bench_session(a, net_cfg, test, seconds);
    }
    let mut x = vec![0.0f32; net.n_in()];
    let mut y = vec![0.0f32; net.n_out()];
    let per_sample = a.task_config().steps_per_sample;
    let t0 = Instant::now();
    let mut steps = 0u64;
    while t0.elapsed().as_secs_f64() < seconds {
        let i = (steps as usize / per_sample) % test.len();
        nla_playground::mnist::to_rates(test.image(i), &mut x);
        y.fill(0.0);
        y[test.labels[i] as usize % net.n_out()] = 1.0;
        for _ in 0..100 {
            if net
                .step(StepInput {
                    x: &x,
                    target: Some(&y),
                    beta: net_cfg.beta,
                    plastic: true,
                })
                .is_err()
            {
                die("diverged during the benchmark");
            }
        }
        steps += 100;
    }
    let sps = steps as f64 / t0.elapsed().as_secs_f64();
    let weights: usize = net_cfg.layers.windows(2).map(|p| p[0] * p[1]).sum();
    let layers = net_cfg
        .layers
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join("-");
    if a.json {
        println!(
            "{}",
            serde_json::json!({"network": layers, "steps_per_s": sps, "weights": weights, "target": std::env::consts::ARCH})
        );
    } else {
        println!("native {layers}: {sps:.0} simulation steps/s (training on, one thread, {weights} weights)");
    }
}

/// `nla bench --session`: the very loop the page runs — `Session::train_steps` on the training
/// stream, with the per-digit answer before learning and every probe the live views read — so the
/// page's steps/s can be set against native steps/s of the same work.
fn bench_session(a: &Args, net_cfg: NetConfig, test: nla_playground::mnist::Dataset, seconds: f64) {
    let task = a.task_config();
    let mut s = Session::new(net_cfg, task, a.get("seed", 1u64)).unwrap_or_else(|e| die(e));
    s.train = data_files::load_train(60_000).unwrap_or_else(|e| die(e));
    s.test = test;
    s.train_steps(1000)
        .unwrap_or_else(|_| die("diverged during the benchmark"));
    let t0 = Instant::now();
    let mut steps = 0u64;
    while t0.elapsed().as_secs_f64() < seconds {
        s.train_steps(1000)
            .unwrap_or_else(|_| die("diverged during the benchmark"));
        steps += 1000;
    }
    let sps = steps as f64 / t0.elapsed().as_secs_f64();
    if a.json {
        println!(
            "{}",
            serde_json::json!({"what": "session", "steps_per_s": sps, "target": std::env::consts::ARCH})
        );
    } else {
        println!("native session (the page's loop: stream, answers, probes): {sps:.0} steps/s");
    }
}

fn cmd_check(a: &Args, what: &str) {
    use nla_playground::checks;
    let mut out = serde_json::Map::new();
    let all = what == "all";
    if all || what == "theorem1" {
        let betas = [1e-3f32, 1e-2, 3e-2, 0.1, 0.3, 1.0];
        let curve = checks::theorem1_curve(&betas, 9);
        if !a.json {
            println!("Theorem 1: cosine between (1/β)ē_l r_(l−1)ᵀ and −∂C/∂W_l (plain backprop), median of 9 random 12-10-9-5 networks");
            for (b, c) in betas.iter().zip(&curve) {
                println!(
                    "  β = {b:<6} layers 1..3: {}",
                    c.iter()
                        .map(|x| format!("{x:.5}"))
                        .collect::<Vec<_>>()
                        .join("  ")
                );
            }
        }
        out.insert(
            "theorem1".into(),
            serde_json::json!(betas
                .iter()
                .zip(&curve)
                .map(|(b, c)| serde_json::json!({"beta": b, "cosine_per_layer": c}))
                .collect::<Vec<_>>()),
        );
    }
    if all || what == "theorem2" {
        let mut rows = vec![];
        for nudging in [InterneuronNudging::OneToOne, InterneuronNudging::Mixed] {
            let mut net = checks::circuit_net(nudging, 2);
            let r = checks::learn_lateral(&mut net, 40_000, 9);
            if !a.json {
                println!(
                    "Theorem 2 ({nudging:?} nudging, forward weights frozen, β = 0, {} ms): θ(W^PI W^IP, B W) {:.1}° → {:.2}°, apical rms {:.4} → {:.5} ({:.2} %)",
                    r.steps, r.theta_start_deg, r.theta_end_deg, r.apical_start, r.apical_end, 100.0 * r.apical_end / r.apical_start
                );
            }
            rows.push(serde_json::to_value(&r).unwrap());
        }
        out.insert("theorem2".into(), serde_json::Value::Array(rows));
    }
    if all || what == "eq13" {
        let r = checks::eq13(400_000);
        if !a.json {
            println!(
                "Eq. 13 (self-predicting microcircuit, output nudged): |ē_l − (1−β^I)ρ'Bē_(l+1)| / |…| = {:.3} %; with β^I = 0: {:.3} %",
                100.0 * r.rel_nudged,
                100.0 * r.rel_free
            );
        }
        out.insert("eq13".into(), serde_json::to_value(&r).unwrap());
    }
    if all || what == "delay" {
        let rows: Vec<_> = [Lookahead::Advanced, Lookahead::FirstOrder, Lookahead::None]
            .into_iter()
            .map(|l| checks::delay(l, 3, 0.5))
            .collect();
        if !a.json {
            for r in &rows {
                println!(
                    "Delay ({} layers, τ = {} ms, slow sinusoid): {:?} lookahead lags the instantaneous map by {} ms ({} ms with the error feedback on)",
                    r.layers, r.tau_ms, r.lookahead, r.lag_ms, r.lag_with_feedback_ms
                );
            }
        }
        out.insert("delay".into(), serde_json::to_value(&rows).unwrap());
    }
    if all || what == "energy" {
        let r = checks::energy_regimes(1, 300.0);
        if !a.json {
            println!(
                "Energy: β = 0, no plasticity: E = {:.2e}; nudged (β = 0.1), no plasticity: E = {:.4}; plasticity on for {} ms: E = {:.2e} (fell {:.1} %; −80 % after {:?} ms)",
                r.free, r.nudged, r.learn_ms, r.learned, 100.0 * r.fall, r.ms_to_80_percent
            );
        }
        out.insert("energy".into(), serde_json::to_value(&r).unwrap());
    }
    if out.is_empty() {
        die(format!(
            "check: unknown {what:?}; use theorem1, theorem2, eq13, delay, energy or all"
        ));
    }
    if a.json {
        println!("{}", serde_json::Value::Object(out));
    }
}

/// Pattern completion on the bundled human iEEG recording (or a CSV/EDF file): the network's
/// test-window R² against the least-squares baseline, per hidden channel.
fn cmd_ieeg(a: &Args) {
    use nla_playground::ieeg::{IeegConfig, IeegTask};
    const IEEG_OPTIONS: &[&str] = &[
        "hidden",
        "train-seconds",
        "file",
        "hidden-neurons",
        "eta",
        "beta",
        "tau",
        "seed",
    ];
    if let Some(o) = a.opts.keys().find(|k| !IEEG_OPTIONS.contains(&k.as_str())) {
        die(format!(
            "ieeg: --{o} does not apply here (options: --{})",
            IEEG_OPTIONS.join(", --")
        ));
    }
    let d = IeegConfig::default();
    let config = IeegConfig {
        hidden: match a.opts.get("hidden") {
            Some(h) => h.split(',').map(|s| s.trim().to_string()).collect(),
            None => d.hidden.clone(),
        },
        hidden_neurons: a.get("hidden-neurons", d.hidden_neurons),
        eta: a.get("eta", d.eta),
        beta: a.get("beta", d.beta),
        tau: a.get("tau", d.tau),
        seed: a.get("seed", d.seed),
        ..d
    };
    let train_seconds: f64 = a.get("train-seconds", 142.5);
    if !(train_seconds.is_finite() && (0.0..=86_400.0).contains(&train_seconds)) {
        die(format!(
            "--train-seconds: must be in [0, 86400], got {train_seconds}"
        ));
    }
    let (rec, source) = match a.opts.get("file") {
        None => (
            data_files::load_ieeg().unwrap_or_else(|e| die(e)),
            "bundled recording (py-neuromodulation, Merk et al. 2022)".to_string(),
        ),
        Some(path) => (
            nla_playground::signal_files::read_file(path).unwrap_or_else(|e| die(e)),
            path.clone(),
        ),
    };
    let mut task = IeegTask::new(&rec, config).unwrap_or_else(|e| die(e));
    let t0 = Instant::now();
    let steps = (train_seconds * 1000.0 / task.config.dt as f64).round() as usize;
    task.train_steps(steps).unwrap_or_else(|d| {
        die(format!(
            "the network diverged (layer {}) after {:.1} s of training; lower --eta or --beta",
            d.layer,
            task.train_seconds()
        ))
    });
    let r2 = task.evaluate();
    let wall = t0.elapsed().as_secs_f64();
    let names = task.hidden_names();
    let first_half = task
        .history
        .iter()
        .find(|p| p.r2.iter().all(|&r| r > 0.5))
        .map(|p| p.train_s);
    if a.json {
        let channels: Vec<_> = names
            .iter()
            .zip(&r2)
            .zip(&task.baseline.r2)
            .map(|((n, &r), &l)| serde_json::json!({"name": n, "network_r2": r, "least_squares_r2": l}))
            .collect();
        let visible: Vec<&str> = task
            .visible
            .iter()
            .map(|&c| task.names[c].as_str())
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "source": source,
                "rate_hz": task.rate_hz,
                "train_samples": task.n_train,
                "test_samples": task.samples - task.n_train,
                "visible": visible,
                "hidden": channels,
                "train_seconds": task.train_seconds(),
                "first_r2_above_0_5_at_s": first_half,
                "wall_s": wall,
                "config": task.config,
            })
        );
    } else {
        println!(
            "{source}: {} channels at {} Hz, {} training + {} test samples",
            task.names.len(),
            task.rate_hz,
            task.n_train,
            task.samples - task.n_train
        );
        println!(
            "after {:.1} s of simulated training ({wall:.2} s wall), test-window R²:",
            task.train_seconds()
        );
        for ((n, r), l) in names.iter().zip(&r2).zip(&task.baseline.r2) {
            println!(
                "  {n:<16} network {r:.3}   least squares {l:.3}   ratio {:.2}",
                r / l
            );
        }
        if let Some(t) = first_half {
            println!("R² > 0.5 on every hidden channel first at {t:.0} s of training");
        }
    }
}

fn main() {
    let a = parse_args();
    match a.cmd.as_str() {
        "train" => cmd_train(&a),
        "compare" => cmd_compare(&a),
        "bench" => cmd_bench(&a),
        "ieeg" => cmd_ieeg(&a),
        "check" => {
            let what = a
                .opts
                .get("what")
                .cloned()
                .or_else(|| a.positional.first().cloned())
                .unwrap_or_else(|| "all".into());
            cmd_check(&a, &what)
        }
        other => {
            let usage: Vec<&str> = include_str!("nla.rs")
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
                .collect();
            let help = matches!(other, "help" | "--help" | "-h");
            if help {
                println!("{}", usage.join("\n"));
            } else {
                eprintln!("nla: unknown command {other:?}\n\n{}", usage.join("\n"));
                std::process::exit(2);
            }
        }
    }
}
