"""benchmarks/verify.py: a stopped `make verify` resumes from its journal, and only with the current code's verdicts."""
import importlib.util
import json

from conftest import ROOT
from jielong import claims

_spec = importlib.util.spec_from_file_location("verify", ROOT / "benchmarks" / "verify.py")
verify = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify)


def test_the_journal_keeps_only_whole_lines_made_by_the_current_code(tmp_path, monkeypatch):
    code = {claim_id: claims.code(claim_id) for claim_id in claims.CLAIMS}
    current = {"claim": "cleaning-matters", "seed": 5, "code": code["cleaning-matters"], "effect": 0.4}
    stale = {"claim": "dpo-improves", "seed": 5, "code": "older", "effect": 0.2}
    gone = {"claim": "a-claim-since-removed", "seed": 5, "code": "x", "effect": 0.1}
    journal = tmp_path / "journal.jsonl"
    journal.write_text("\n".join(json.dumps(r) for r in (current, stale, gone)) + '\n{"claim": "cut sho')
    monkeypatch.setattr(verify, "JOURNAL", journal)
    assert verify._journal(code) == {"cleaning-matters@5": current}
    monkeypatch.setattr(verify, "JOURNAL", tmp_path / "none.jsonl")
    assert verify._journal(code) == {}


def test_a_seed_is_verified_claim_by_claim_into_the_journal(tmp_path, monkeypatch):
    monkeypatch.setattr(verify, "JOURNAL", tmp_path / "journal.jsonl")
    ids = ["learning-rate-decides", "training-succeeds-testing-fails"]  # stage 0: seconds each
    code = {claim_id: claims.code(claim_id) for claim_id in ids}
    running = {}
    records = verify._verify_seed(3, ids, code, running, cores=2)
    assert [r["claim"] for r in records] == ids and all(r["seed"] == 3 and r["holds"] for r in records)
    assert verify._journal(code) == {f"{r['claim']}@3": json.loads(json.dumps(r)) for r in records}
    assert running == {}  # the seed left the shared count when it finished
