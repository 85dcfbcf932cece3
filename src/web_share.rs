//! The wasm facade for sharing: URL state (`urlstate`) and save files (`savefile`), as a second
//! `#[wasm_bindgen] impl Playground` block. The page's glue is www/share.js and www/embed.js.

use crate::savefile;
use crate::session::Session;
use crate::urlstate::{self, UrlState};
use crate::web::{js_err, Playground};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// Parse a URL hash without applying it: `{state, notices, canonical}`. Never fails for any
    /// input; notices are plain text (set them with `textContent`).
    pub fn parse_url_state(hash: &str) -> Result<JsValue, JsValue> {
        serde_wasm_bindgen::to_value(&urlstate::parse(hash)).map_err(js_err)
    }

    /// Bring the page to what a hash describes; the loaded data stay. A network that has
    /// learned is kept when the hash only changes settings that can change while it runs (β, η,
    /// dt, presentation time, lookahead, plasticity, schedule, top-down path); a new seed, new
    /// layer sizes or a new interneuron circuit start a new network, and a notice says so.
    /// Returns `{state, notices, canonical}`. Reset then returns to this configuration.
    pub fn apply_url_state(&mut self, hash: &str) -> Result<JsValue, JsValue> {
        let mut parsed = urlstate::parse(hash);
        let st = &parsed.state;
        let now = UrlState::from_configs(&self.session.net.config, &self.session.task, self.seed);
        let mut changed = vec![];
        if st.seed != now.seed {
            changed.push("seed");
        }
        if st.hidden != now.hidden {
            changed.push("hidden layers");
        }
        if st.interneurons != now.interneurons || st.nudging != now.nudging {
            changed.push("interneurons");
        }
        if self.session.steps > 0 {
            if changed.is_empty() {
                match self.apply_live(st) {
                    Ok(()) => return serde_wasm_bindgen::to_value(&parsed).map_err(js_err),
                    Err(e) => parsed.notices.push(format!(
                        "Started a new network: the running one could not take these settings ({}).",
                        e.as_string().unwrap_or_default()
                    )),
                }
            } else {
                parsed.notices.push(format!(
                    "Started a new network: the link changes the {} (what was learned is gone).",
                    changed.join(", ")
                ));
            }
        }
        let st = &parsed.state;
        let net_config = st.net_config();
        let mut fresh =
            Session::new(net_config.clone(), st.task_config(), st.seed).map_err(js_err)?;
        fresh.train = std::mem::take(&mut self.session.train);
        fresh.test = std::mem::take(&mut self.session.test);
        self.keep_page_settings(&mut fresh);
        self.session = fresh;
        self.seed = st.seed;
        self.net_config = net_config;
        self.saved = None;
        serde_wasm_bindgen::to_value(&parsed).map_err(js_err)
    }

    /// What belongs to the page, not to the network, carries over to a new session (as Reset
    /// does): sweeps in the evaluation worker, the probes' stride, the followed neuron.
    fn keep_page_settings(&self, fresh: &mut Session) {
        let old = &self.session;
        fresh.external_eval = old.external_eval;
        fresh.set_probe_stride(old.probes.stride);
        fresh.probe_neuron = old
            .probe_neuron
            .min(fresh.net.layers[0].n.saturating_sub(1));
    }

    /// The running settings, keeping the network: each through `params::set` (the controls'
    /// path), the top-down path through `set_feedback` (with its interneuron warm-up).
    fn apply_live(&mut self, st: &UrlState) -> Result<(), JsValue> {
        let c = &self.session.net.config;
        let mut live: Vec<(&str, f64)> = vec![];
        let mut differs = |name, now: f64, want: f64| {
            if now != want {
                live.push((name, want));
            }
        };
        differs("beta", c.beta as f64, st.beta as f64);
        // Under the microcircuit on both sides the link carries the capped rate (≤ 0.01): compare
        // with the rate in force, so the user's own rate stays remembered for leaving it.
        let both_micro = c.feedback == crate::network::Feedback::Microcircuit
            && st.feedback == crate::network::Feedback::Microcircuit;
        let eta_now = if both_micro {
            c.eta
        } else {
            self.session.eta_setting()
        };
        differs("eta", eta_now as f64, st.eta as f64);
        differs("eta_ip", c.eta_ip as f64, st.eta_ip as f64);
        differs("eta_pi", c.eta_pi as f64, st.eta_pi as f64);
        differs("beta_i", c.beta_i as f64, st.beta_i as f64);
        differs("dt", c.dt as f64, st.dt as f64);
        let prospective = (c.lookahead != crate::network::Lookahead::None) as u8 as f64;
        differs("prospective", prospective, st.lookahead as u8 as f64);
        let feedback = (c.feedback != st.feedback).then_some(st.feedback);
        let mut rng = crate::rng::Rng::new(self.seed ^ 0x9A4A);
        for (name, v) in live {
            crate::params::set(&mut self.session, name, v, &mut rng).map_err(js_err)?;
        }
        // Steps per digit as the link says (after dt, which rescales them to keep the time).
        self.session.task.steps_per_sample = st.steps;
        self.session.task.plastic = st.plasticity;
        self.session.task.eta_halving_digits = st.decay;
        if let Some(f) = feedback {
            let mut rng = crate::rng::Rng::new(self.seed ^ 0x5EED);
            self.session.set_feedback(f, &mut rng).map_err(js_err)?;
        }
        Ok(())
    }

    /// What a link of the running state would not carry as it runs (the controls reach further
    /// than a link may: links stop where every corner was measured to stay finite), in plain
    /// text; empty when the link reproduces the run.
    pub fn url_state_notices(&self) -> Vec<String> {
        let st = UrlState::from_configs(&self.session.net.config, &self.session.task, self.seed);
        urlstate::parse(&st.to_hash()).notices
    }

    /// The canonical hash of the running network and task (with the given hidden controls,
    /// comma-separated, and embed flag), brought within the URL's limits.
    pub fn url_state_hash(&self, hide: &str, embed: bool) -> String {
        let mut st =
            UrlState::from_configs(&self.session.net.config, &self.session.task, self.seed);
        st.embed = embed;
        let mut h = st.to_hash();
        if !hide.is_empty() {
            h.push_str("&hide=");
            h.push_str(hide);
        }
        urlstate::parse(&h).canonical
    }

    /// The whole learning state as a save file (see `savefile`).
    pub fn save_network(&self) -> Vec<u8> {
        savefile::encode(&self.session, &self.net_config, self.seed)
    }

    /// Load a save file. Every check runs before anything changes: on any problem the error
    /// names it and the running network is untouched.
    pub fn load_network(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        let saved = savefile::decode(bytes).map_err(js_err)?;
        let (seed, start) = (saved.seed, saved.start_config.clone());
        let train = std::mem::take(&mut self.session.train);
        let test = std::mem::take(&mut self.session.test);
        match saved.into_session(train, test) {
            Ok(mut s) => {
                self.keep_page_settings(&mut s);
                self.session = s;
                self.seed = seed;
                self.net_config = start;
                self.saved = None;
                Ok(())
            }
            Err((e, train, test)) => {
                self.session.train = train;
                self.session.test = test;
                Err(js_err(e))
            }
        }
    }

    /// FNV-1a (64 bit) over the bits of every weight and bias, pyramidal and lateral, as hex:
    /// equal checksums mean bit-identical networks (for tests).
    pub fn weights_checksum(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let net = &self.session.net;
        let layers = net.layers.iter().flat_map(|l| [&l.w, &l.b]);
        let circuits = net
            .circuits
            .iter()
            .flat_map(|k| [&k.w_ip, &k.b_i, &k.w_pi, &k.b_fb, &k.b_ip]);
        for v in layers.chain(circuits) {
            for x in v.iter() {
                for b in x.to_bits().to_le_bytes() {
                    h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        format!("{h:016x}")
    }
}
