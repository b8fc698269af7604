"""Build the synthetic voice eval set: espeak-ng speech (en-us, Mandarin) plus sox variants (noise, faster,
slower, telephone band), saved as 16 kHz mono Ogg Vorbis under evals/data/voice/ with a manifest.

Needs Debian's espeak-ng and sox (`apt-get install espeak-ng sox libsox-fmt-all`) and pypinyin; the output is
committed, so running the eval does not. Debian's espeak-ng has no Mandarin dictionary (its `cmn` voice spells
characters as English letters and tone digits), so Chinese is turned into tone-numbered pinyin with pypinyin and
read by the `cmn-latn-pinyin` voice: intelligible, but robotic; Mandarin figures are a floor, not a forecast.
Deterministic: same inputs, same files (sox runs in repeatable mode).

    python evals/voice_make.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).parent / "data" / "voice"
# (id, language, text, the tool a good answer calls; "" = none)
UTTERANCES: tuple[tuple[str, str, str, str], ...] = (
    ("en01", "en", "What was revenue in South China in the third quarter of 2026?", "analytics_query"),
    ("en02", "en", "Show me sales in East China last month by channel.", "analytics_query"),
    ("en03", "en", "What was the gross margin in North China in October 2026?", "analytics_query"),
    ("en04", "en", "How many units did we sell in Central China last quarter?", "analytics_query"),
    ("en05", "en", "Revenue by category in Southwest China for October 2026.", "analytics_query"),
    ("en06", "en", "Ask supply chain to confirm the stock of X200 within 48 hours.", "route_request"),
    ("en07", "en", "Ask legal to review the payment terms of the Midea contract by tomorrow noon.", "route_request"),
    ("en08", "en", "Please have finance check the invoice for Yonghui by Friday.", "route_request"),
    ("en09", "en", "What's the status of my X200 request?", "route_request"),
    ("en10", "en", "Is this compliant: we are the number one brand and we guarantee fifty percent savings.",
     "check_compliance"),
    ("en11", "en", "Can I send the customer's ID card number to our partner by email?", "check_compliance"),
    ("en12", "en", "Check this message for compliance: this is the best shampoo in the world.", "check_compliance"),
    ("en13", "en", "Do we have any case studies for hotel customers?", "search_knowledge"),
    ("en14", "en", "What is our return policy for key accounts?", "search_knowledge"),
    ("en15", "en", "Find the product sheet for the X300 restock cabinet.", "search_knowledge"),
    ("en16", "en", "Draft an ROI report for Acme, a retail prospect: five hundred thousand dollars investment, "
                   "saves two hundred thousand a year over three years.", "draft_roi_report"),
    ("zh01", "zh", "二零二六年十月华东区的销售额是多少", "analytics_query"),
    ("zh02", "zh", "上个月华南区各渠道的销售额", "analytics_query"),
    ("zh03", "zh", "请供应链同事确认X200型号库存，需要四十八小时内反馈", "route_request"),
    ("zh04", "zh", "请法务明天中午前审核美的的合同", "route_request"),
    ("zh05", "zh", "这段话合规吗：我们是全国第一的品牌，保证节省百分之五十的成本", "check_compliance"),
    ("zh06", "zh", "有没有酒店行业的成功案例", "search_knowledge"),
    ("zh07", "zh", "帮我给美的做一份ROI报告，投入八十万，每年节省三十万，三年", "draft_roi_report"),
    ("zh08", "zh", "我的X200请求进展如何", "route_request"),
)
# sox effects per variant; applied to a subset so every utterance has a clean reading.
VARIANTS: dict[str, list[str]] = {
    "clean": [],
    "noise": ["__noise__"],
    "fast": ["tempo", "1.15"],
    "slow": ["tempo", "0.9"],
    "phone": ["highpass", "300", "lowpass", "3400"],
}


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def make(uid: str, lang: str, text: str, variant: str, tmp: Path) -> str:
    raw = tmp / f"{uid}.wav"
    if not raw.exists():
        if lang == "en":
            run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text])
        else:
            from pypinyin import Style, lazy_pinyin

            spoken = " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))
            run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "140", "-w", str(raw), spoken])
    name = f"{uid}-{variant}.ogg"
    target = OUT / name
    effects = VARIANTS[variant]
    if effects == ["__noise__"]:
        noise = tmp / f"{uid}-noise.wav"
        run(["sox", "-R", str(raw), str(noise), "synth", "whitenoise", "vol", "0.02"])  # same length as the speech
        run(["sox", "-R", "-m", str(raw), str(noise), "-r", "16000", "-c", "1", "-C", "3", str(target)])
    else:
        run(["sox", "-R", str(raw), "-r", "16000", "-c", "1", "-C", "3", str(target), *effects])
    return name


def main() -> None:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install espeak-ng sox libsox-fmt-all")
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (uid, lang, text, tool) in enumerate(UTTERANCES):
            variants = ["clean", list(VARIANTS)[1 + n % 4]] if lang == "en" else ["clean"]
            for variant in variants:
                rows.append({"id": f"{uid}-{variant}", "file": make(uid, lang, text, variant, Path(tmp)),
                             "language": lang, "text": text, "tool": tool, "variant": variant})
    (OUT / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    size = sum(p.stat().st_size for p in OUT.glob("*.ogg"))
    print(f"{len(rows)} clips, {size / 1e6:.2f} MB in {OUT}")


if __name__ == "__main__":
    main()
