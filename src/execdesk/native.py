"""Every stage's compiled kernels, loaded (or compiled once per install) before real work starts.

``python -m execdesk.native`` does it from a shell: ``./dev setup`` after installing, and an image build
with ``NUMBA_CACHE_DIR`` set (docs/deploy.md). Workers call :func:`warm_up` before they register.
"""

from __future__ import annotations


def warm_up() -> dict[str, float]:
    """Load the campaign and analyze kernels; the seconds each stage took."""
    from execdesk.analyze import native as analyze_native
    from execdesk.campaigns import native as campaign_native

    return {"campaigns": campaign_native.warm_up(), "analyze": analyze_native.warm_up()}


if __name__ == "__main__":
    print(" ".join(f"{stage} {seconds:.1f} s" for stage, seconds in warm_up().items()))
