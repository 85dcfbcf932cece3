//! Save and load the whole learning state: a versioned little-endian binary file.
//!
//! ```text
//! header   "NLAPLAY" 0x1A | u32 format version | u64 total file length
//! sections tag (4 ASCII bytes) | u64 payload length | payload          (any order, each once)
//!          CONF  seed, starting NetConfig (what Reset returns to), TaskConfig
//!          NETW  the network: its NetConfig, every layer's weights, biases and neural state,
//!                every lateral circuit, the filtered input r̄_0, the simulated time
//!          SESS  the stream: RNG state, epoch order and position, the digit on screen, counters,
//!                the interneuron warm-up, the taught digits and their queue
//!          HIST  the finished test sweeps (for the chart)
//! trailer  u32 CRC-32 (IEEE) of every byte before it
//! ```
//!
//! Loading checks, in order: length, magic, version, declared length (truncation), checksum,
//! every section's bounds, every configuration (`validate`), every shape against its
//! configuration, every number's finiteness, every index against what it indexes. Any failure is
//! an error that names the problem; nothing is built until all checks pass, so the running
//! network is never touched by a bad file. Together with the seed and the data, a saved file
//! continues the run bit for bit (`tests/savefile.rs`).

use crate::mnist::PIXELS;
use crate::network::{Feedback, Integrator, InterneuronNudging, Lookahead, NetConfig, Network};
use crate::rng::Rng;
use crate::session::{
    AccuracyPoint, Checkpoint, Session, TaskConfig, Taught, Teaching, MAX_TAUGHT,
};

pub const MAGIC: &[u8; 8] = b"NLAPLAY\x1a";
pub const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8;

/// A refused file, saying why.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, LoadError> {
    Err(LoadError(msg.into()))
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as in zip and PNG.
pub fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !0u32;
    for &b in bytes {
        c = TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// Everything a file holds, decoded and checked.
pub struct Saved {
    pub seed: u64,
    /// The configuration the run started from (Reset returns to it).
    pub start_config: NetConfig,
    pub task: TaskConfig,
    pub checkpoint: Checkpoint,
    pub history: Vec<AccuracyPoint>,
}

// ---------- writing ----------

#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn f32s(&mut self, v: &[f32]) {
        self.len(v.len());
        for &x in v {
            self.f32(x);
        }
    }
    fn opt_u64(&mut self, v: Option<u64>) {
        self.u8(v.is_some() as u8);
        self.u64(v.unwrap_or(0));
    }
    fn net_config(&mut self, c: &NetConfig) {
        self.len(c.layers.len());
        for &n in &c.layers {
            self.len(n);
        }
        for v in [c.tau, c.dt, c.beta, c.eta] {
            self.f32(v);
        }
        self.f32s(&c.eta_layer_factors);
        self.f32s(&c.init_scales);
        self.u8(c.integrator as u8);
        self.u8(c.lookahead as u8);
        self.u8(c.feedback as u8);
        self.len(c.interneurons);
        self.u8(c.interneuron_nudging as u8);
        for v in [c.beta_i, c.eta_ip, c.eta_pi] {
            self.f32(v);
        }
    }
    fn section(&mut self, tag: &[u8; 4], body: W) {
        self.0.extend_from_slice(tag);
        self.len(body.0.len());
        self.0.extend_from_slice(&body.0);
    }
}

/// The file for a session (and the configuration Reset returns to).
pub fn encode(session: &Session, start_config: &NetConfig, seed: u64) -> Vec<u8> {
    let c = session.checkpoint();
    let mut out = W::default();
    out.0.extend_from_slice(MAGIC);
    out.u32(VERSION);
    out.u64(0); // total length, patched below

    let mut conf = W::default();
    conf.u64(seed);
    conf.net_config(start_config);
    let t = &session.task;
    for v in [
        t.steps_per_sample,
        t.eval_every,
        t.eval_size,
        t.eta_halving_digits,
    ] {
        conf.len(v);
    }
    conf.u8(t.plastic as u8);
    out.section(b"CONF", conf);

    let net = &c.net;
    let mut nw = W::default();
    nw.net_config(&net.config);
    for l in &net.layers {
        nw.len(l.n_in);
        nw.len(l.n);
        for v in [
            &l.w,
            &l.b,
            &l.u,
            &l.udot,
            &l.u_adv,
            &l.r,
            &l.rbar,
            &l.rp,
            &l.basal,
            &l.e,
            &l.mismatch,
            &l.apical,
        ] {
            nw.f32s(v);
        }
    }
    for k in &net.circuits {
        nw.len(k.n);
        nw.len(k.n_above);
        nw.len(k.m);
        for v in [
            &k.b_fb,
            &k.b_ip,
            &k.w_ip,
            &k.b_i,
            &k.w_pi,
            &k.u_i,
            &k.basal_i,
            &k.top_down,
        ] {
            nw.f32s(v);
        }
    }
    nw.f32s(&net.rbar_in);
    nw.f64(net.time);
    out.section(b"NETW", nw);

    let mut ss = W::default();
    for s in c.rng.state() {
        ss.u64(s);
    }
    ss.len(c.order.len());
    for &i in &c.order {
        ss.u32(i);
    }
    ss.len(c.order_pos);
    ss.opt_u64(c.current.map(|i| i as u64));
    ss.len(c.step_in_sample);
    ss.f32s(&c.x);
    ss.f32s(&c.y);
    ss.u64(c.samples_seen);
    ss.u64(c.stream_seen);
    ss.u64(c.steps);
    ss.len(c.lateral_warmup);
    ss.u8(c.eta_before_microcircuit.is_some() as u8);
    ss.f32(c.eta_before_microcircuit.unwrap_or(0.0));
    let tg = &c.teaching;
    ss.len(tg.taught.len());
    for t in &tg.taught {
        ss.u64(t.id);
        ss.u8(t.label);
        ss.f32s(&t.x);
    }
    ss.u64(tg.taught_total);
    ss.len(tg.teach_queue.len());
    for &k in &tg.teach_queue {
        ss.len(k);
    }
    ss.len(tg.taught_presented.len());
    for &k in &tg.taught_presented {
        ss.len(k);
    }
    ss.opt_u64(tg.current_taught.map(|k| k as u64));
    ss.u8(tg.last_was_taught as u8);
    out.section(b"SESS", ss);

    let mut h = W::default();
    h.len(session.history.len());
    for p in &session.history {
        h.u64(p.samples);
        h.f64(p.time_s);
        h.f64(p.accuracy);
        h.len(p.n);
    }
    out.section(b"HIST", h);

    let total = out.0.len() + 4;
    out.0[12..20].copy_from_slice(&(total as u64).to_le_bytes());
    let crc = crc32(&out.0);
    out.u32(crc);
    out.0
}

// ---------- reading ----------

struct R<'a> {
    b: &'a [u8],
    pos: usize,
    section: &'static str,
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LoadError> {
        if self.b.len() - self.pos < n {
            return err(format!(
                "section {} ends early (the file is damaged)",
                self.section
            ));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, LoadError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, LoadError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, LoadError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn f32(&mut self) -> Result<f32, LoadError> {
        Ok(f32::from_bits(self.u32()?))
    }
    fn f64(&mut self) -> Result<f64, LoadError> {
        Ok(f64::from_bits(self.u64()?))
    }
    /// A count or index: must fit what is left of the section (`elem` bytes each), so a damaged
    /// length can never ask for a huge allocation.
    fn count(&mut self, elem: usize) -> Result<usize, LoadError> {
        let n = self.u64()?;
        let left = (self.b.len() - self.pos) as u64;
        if n.saturating_mul(elem.max(1) as u64) > left {
            return err(format!(
                "section {}: a length of {n} does not fit the file",
                self.section
            ));
        }
        Ok(n as usize)
    }
    fn index(&mut self) -> Result<usize, LoadError> {
        let n = self.u64()?;
        usize::try_from(n)
            .or_else(|_| err(format!("section {}: index {n} too large", self.section)))
    }
    fn f32s(&mut self, what: &str) -> Result<Vec<f32>, LoadError> {
        let n = self.count(4)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let x = self.f32()?;
            if !x.is_finite() {
                return err(format!(
                    "{what} contains a non-finite number ({x}); the file is not a usable network"
                ));
            }
            v.push(x);
        }
        Ok(v)
    }
    fn opt_u64(&mut self) -> Result<Option<u64>, LoadError> {
        let some = self.u8()?;
        let v = self.u64()?;
        match some {
            0 => Ok(None),
            1 => Ok(Some(v)),
            _ => err(format!("section {}: bad option flag", self.section)),
        }
    }
    fn enum_u8<T: Copy>(&mut self, what: &str, options: &[T]) -> Result<T, LoadError> {
        let k = self.u8()? as usize;
        options
            .get(k)
            .copied()
            .ok_or_else(|| LoadError(format!("{what}: unknown value {k}")))
    }
    fn net_config(&mut self) -> Result<NetConfig, LoadError> {
        let n = self.count(8)?;
        let mut layers = Vec::with_capacity(n);
        for _ in 0..n {
            layers.push(self.index()?);
        }
        let (tau, dt, beta, eta) = (self.f32()?, self.f32()?, self.f32()?, self.f32()?);
        let eta_layer_factors = self.f32s("eta_layer_factors")?;
        let init_scales = self.f32s("init_scales")?;
        let integrator =
            self.enum_u8("integrator", &[Integrator::Sweep, Integrator::PreviousUdot])?;
        let lookahead = self.enum_u8(
            "lookahead",
            &[Lookahead::Advanced, Lookahead::FirstOrder, Lookahead::None],
        )?;
        let feedback = self.enum_u8(
            "feedback",
            &[
                Feedback::WeightTransport,
                Feedback::Random,
                Feedback::Microcircuit,
            ],
        )?;
        let interneurons = self.index()?;
        let interneuron_nudging = self.enum_u8(
            "interneuron nudging",
            &[InterneuronNudging::OneToOne, InterneuronNudging::Mixed],
        )?;
        let (beta_i, eta_ip, eta_pi) = (self.f32()?, self.f32()?, self.f32()?);
        let c = NetConfig {
            layers,
            tau,
            dt,
            beta,
            eta,
            eta_layer_factors,
            init_scales,
            integrator,
            lookahead,
            feedback,
            interneurons,
            interneuron_nudging,
            beta_i,
            eta_ip,
            eta_pi,
        };
        c.validate()
            .map_err(|e| LoadError(format!("the saved configuration is invalid: {e}")))?;
        if c.layers.first() != Some(&PIXELS) || c.layers.last() != Some(&10) {
            return err(format!(
                "the saved network has layers {:?}; MNIST needs 784 inputs and 10 outputs",
                c.layers
            ));
        }
        Ok(c)
    }
}

/// Copy a decoded vector into place, refusing a shape that differs from the configuration's.
fn fill(dst: &mut Vec<f32>, src: Vec<f32>, what: &str) -> Result<(), LoadError> {
    if src.len() != dst.len() {
        return err(format!(
            "{what} has {} values; the saved configuration needs {}",
            src.len(),
            dst.len()
        ));
    }
    *dst = src;
    Ok(())
}

/// A section: its tag and payload.
type Section<'a> = ([u8; 4], &'a [u8]);

fn sections(body: &[u8]) -> Result<Vec<Section<'_>>, LoadError> {
    let mut out: Vec<Section> = vec![];
    let mut pos = 0;
    while pos < body.len() {
        if body.len() - pos < 12 {
            return err("a section header is cut off (the file is damaged)");
        }
        let tag: [u8; 4] = body[pos..pos + 4].try_into().unwrap();
        let len = u64::from_le_bytes(body[pos + 4..pos + 12].try_into().unwrap());
        pos += 12;
        if len > (body.len() - pos) as u64 {
            return err(format!(
                "section {} claims {len} bytes but the file has {} left",
                String::from_utf8_lossy(&tag),
                body.len() - pos
            ));
        }
        if out.iter().any(|(t, _)| *t == tag) {
            return err(format!(
                "section {} appears twice",
                String::from_utf8_lossy(&tag)
            ));
        }
        out.push((tag, &body[pos..pos + len as usize]));
        pos += len as usize;
    }
    Ok(out)
}

/// Decode and check a file completely (see the module docs).
pub fn decode(bytes: &[u8]) -> Result<Saved, LoadError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return err("not an NLA Playground network file (wrong magic bytes)");
    }
    if bytes.len() < HEADER + 4 {
        return err(format!(
            "the file is truncated: {} bytes, shorter than the header",
            bytes.len()
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    if version != VERSION {
        return err(format!(
            "file format version {version}; this page reads version {VERSION}"
        ));
    }
    let total = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
    if (bytes.len() as u64) < total {
        return err(format!(
            "the file is truncated: {} of {total} bytes",
            bytes.len()
        ));
    }
    if (bytes.len() as u64) > total {
        return err(format!(
            "the file has {} bytes after its end (declared length {total})",
            bytes.len() as u64 - total
        ));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes(crc.try_into().unwrap());
    let actual = crc32(body);
    if stored != actual {
        return err(format!(
            "checksum mismatch (stored {stored:08x}, computed {actual:08x}): the file is damaged"
        ));
    }
    let secs = sections(&body[HEADER..])?;
    let get = |tag: &[u8; 4], name: &'static str| -> Result<R, LoadError> {
        secs.iter()
            .find(|(t, _)| t == tag)
            .map(|(_, b)| R {
                b,
                pos: 0,
                section: name,
            })
            .ok_or_else(|| LoadError(format!("section {name} is missing")))
    };

    // CONF
    let mut r = get(b"CONF", "CONF")?;
    let seed = r.u64()?;
    let start_config = r.net_config()?;
    let task = TaskConfig {
        steps_per_sample: r.index()?,
        eval_every: r.index()?,
        eval_size: r.index()?,
        eta_halving_digits: r.index()?,
        plastic: r.u8()? != 0,
    };
    task.validate()
        .map_err(|e| LoadError(format!("the saved task is invalid: {e}")))?;

    // NETW: a fresh network of the saved configuration gives every shape; the file fills it.
    let mut r = get(b"NETW", "NETW")?;
    let config = r.net_config()?;
    let mut net = Network::new(config.clone(), &mut Rng::new(0))
        .map_err(|e| LoadError(format!("the saved configuration is invalid: {e}")))?;
    for (l, layer) in net.layers.iter_mut().enumerate() {
        let (n_in, n) = (r.index()?, r.index()?);
        if (n_in, n) != (layer.n_in, layer.n) {
            return err(format!(
                "layer {} is {n_in}→{n} but the configuration says {}→{}",
                l + 1,
                layer.n_in,
                layer.n
            ));
        }
        let names = [
            "W", "b", "u", "u̇", "ŭ", "r", "r̄", "ρ'", "basal", "e", "mismatch", "apical",
        ];
        let slots = [
            &mut layer.w,
            &mut layer.b,
            &mut layer.u,
            &mut layer.udot,
            &mut layer.u_adv,
            &mut layer.r,
            &mut layer.rbar,
            &mut layer.rp,
            &mut layer.basal,
            &mut layer.e,
            &mut layer.mismatch,
            &mut layer.apical,
        ];
        for (slot, name) in slots.into_iter().zip(names) {
            let what = format!("layer {} {name}", l + 1);
            fill(slot, r.f32s(&what)?, &what)?;
        }
    }
    for (l, k) in net.circuits.iter_mut().enumerate() {
        let (n, n_above, m) = (r.index()?, r.index()?, r.index()?);
        if (n, n_above, m) != (k.n, k.n_above, k.m) {
            return err(format!(
                "lateral circuit {} has shape {n}/{n_above}/{m}; the configuration needs {}/{}/{}",
                l + 1,
                k.n,
                k.n_above,
                k.m
            ));
        }
        let names = [
            "B",
            "B^IP",
            "W^IP",
            "b^I",
            "W^PI",
            "u^I",
            "interneuron basal",
            "top-down",
        ];
        let slots = [
            &mut k.b_fb,
            &mut k.b_ip,
            &mut k.w_ip,
            &mut k.b_i,
            &mut k.w_pi,
            &mut k.u_i,
            &mut k.basal_i,
            &mut k.top_down,
        ];
        for (slot, name) in slots.into_iter().zip(names) {
            let what = format!("lateral circuit {} {name}", l + 1);
            fill(slot, r.f32s(&what)?, &what)?;
        }
    }
    fill(&mut net.rbar_in, r.f32s("r̄_0")?, "r̄_0")?;
    net.time = r.f64()?;
    if !(net.time.is_finite() && net.time >= 0.0) {
        return err(format!("the simulated time {} is not usable", net.time));
    }

    // SESS
    let mut r = get(b"SESS", "SESS")?;
    let state = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
    let rng = Rng::from_state(state)
        .ok_or_else(|| LoadError("the random generator's state is all zero".into()))?;
    let n = r.count(4)?;
    let mut order = Vec::with_capacity(n);
    for _ in 0..n {
        order.push(r.u32()?);
    }
    let order_pos = r.index()?;
    if order_pos > order.len() {
        return err(format!(
            "stream position {order_pos} is past the epoch's {} digits",
            order.len()
        ));
    }
    let current = r.opt_u64()?.map(|i| i as usize);
    let step_in_sample = r.index()?;
    if step_in_sample >= task.steps_per_sample {
        return err(format!(
            "step {step_in_sample} within a digit, but a digit has {} steps",
            task.steps_per_sample
        ));
    }
    let x = r.f32s("the presented digit")?;
    let y = r.f32s("the target")?;
    if x.len() != PIXELS || y.len() != 10 {
        return err("the presented digit or target has the wrong size");
    }
    let (samples_seen, stream_seen, steps) = (r.u64()?, r.u64()?, r.u64()?);
    let lateral_warmup = r.index()?;
    let has_eta = r.u8()?;
    let eta_saved = r.f32()?;
    let eta_before_microcircuit = match has_eta {
        0 => None,
        1 if eta_saved.is_finite() && (0.0..=1.0).contains(&eta_saved) => Some(eta_saved),
        _ => return err("the remembered learning rate is not usable"),
    };
    let n_taught = r.count(8)?;
    if n_taught > MAX_TAUGHT {
        return err(format!(
            "{n_taught} taught digits; at most {MAX_TAUGHT} are kept"
        ));
    }
    let mut taught = vec![];
    for k in 0..n_taught {
        let id = r.u64()?;
        let label = r.u8()?;
        let x = r.f32s("a taught digit")?;
        if label > 9 || x.len() != PIXELS || !x.iter().all(|v| (0.0..=1.0).contains(v)) {
            return err(format!(
                "taught digit {} is not a 28×28 digit with a label 0–9",
                k + 1
            ));
        }
        taught.push(Taught { id, x, label });
    }
    let taught_total = r.u64()?;
    let nq = r.count(8)?;
    let mut teach_queue = std::collections::VecDeque::with_capacity(nq);
    for _ in 0..nq {
        teach_queue.push_back(r.index()?);
    }
    let np = r.count(8)?;
    let mut taught_presented = Vec::with_capacity(np);
    for _ in 0..np {
        taught_presented.push(r.index()?);
    }
    let current_taught = r.opt_u64()?.map(|k| k as usize);
    let last_was_taught = r.u8()? != 0;
    if teach_queue.iter().any(|&k| k >= n_taught)
        || taught_presented.len() != n_taught
        || current_taught.is_some_and(|k| k >= n_taught)
    {
        return err("the taught digits' queue refers to digits that are not in the file");
    }
    let teaching = Teaching {
        taught,
        taught_total,
        teach_queue,
        taught_presented,
        current_taught,
        last_was_taught,
    };

    // HIST
    let mut r = get(b"HIST", "HIST")?;
    let n = r.count(32)?;
    let mut history = Vec::with_capacity(n);
    for _ in 0..n {
        let p = AccuracyPoint {
            samples: r.u64()?,
            time_s: r.f64()?,
            accuracy: r.f64()?,
            n: r.index()?,
        };
        if !(p.time_s.is_finite() && p.accuracy.is_finite() && (0.0..=1.0).contains(&p.accuracy)) {
            return err("an accuracy point is not a finite fraction");
        }
        history.push(p);
    }

    Ok(Saved {
        seed,
        start_config,
        task,
        checkpoint: Checkpoint {
            net,
            rng,
            order,
            order_pos,
            current,
            step_in_sample,
            x,
            y,
            samples_seen,
            stream_seen,
            steps,
            lateral_warmup,
            teaching,
            eta_before_microcircuit,
        },
        history,
    })
}

impl Saved {
    /// A session continuing the saved run on the given data. Refused (the data are handed back
    /// untouched) if the saved stream refers to training digits that are not loaded.
    pub fn into_session(
        self,
        train: crate::mnist::Dataset,
        test: crate::mnist::Dataset,
    ) -> Result<Session, (LoadError, crate::mnist::Dataset, crate::mnist::Dataset)> {
        let c = &self.checkpoint;
        let needed = c
            .order
            .iter()
            .map(|&i| i as usize + 1)
            .chain(c.current.map(|i| i + 1))
            .max()
            .unwrap_or(0);
        if needed > train.len() {
            let e = LoadError(format!(
                "the saved run continues a stream over {needed} training digits, but only {} are loaded yet; load it again when the data has loaded",
                train.len()
            ));
            return Err((e, train, test));
        }
        let mut s = match Session::new(self.checkpoint.net.config.clone(), self.task, self.seed) {
            Ok(s) => s,
            Err(e) => return Err((LoadError(e.to_string()), train, test)),
        };
        s.train = train;
        s.test = test;
        s.history = self.history;
        s.restore(&self.checkpoint);
        Ok(s)
    }
}
