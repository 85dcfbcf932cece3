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

    /// Start again with the network, task and seed a hash describes; the loaded data stay.
    /// Returns `{state, notices, canonical}`. Reset then returns to this configuration.
    pub fn apply_url_state(&mut self, hash: &str) -> Result<JsValue, JsValue> {
        let parsed = urlstate::parse(hash);
        let st = &parsed.state;
        let net_config = st.net_config();
        let mut fresh =
            Session::new(net_config.clone(), st.task_config(), st.seed).map_err(js_err)?;
        fresh.train = std::mem::take(&mut self.session.train);
        fresh.test = std::mem::take(&mut self.session.test);
        self.session = fresh;
        self.seed = st.seed;
        self.net_config = net_config;
        self.saved = None;
        serde_wasm_bindgen::to_value(&parsed).map_err(js_err)
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
            Ok(s) => {
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
