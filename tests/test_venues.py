"""Venue parsing: the spellings real lists use, and words that only look like venues."""

from __future__ import annotations

import pytest

from linkwatch.venues import find_venue, short_venue


@pytest.mark.parametrize(
    ("text", "name", "year", "raw"),
    [
        ("DCANet (ECCV-2020)[[paper]", "ECCV", 2020, "(ECCV-2020)"),
        ("Non-local Neural Networks (CVPR 2018)", "CVPR", 2018, "(CVPR 2018)"),
        ("Recognition(CVPR-2019)", "CVPR", 2019, "(CVPR-2019)"),
        ("Big Model [NeurIPS 2021]", "NeurIPS", 2021, "[NeurIPS 2021]"),
        ("Follow-up ICCV'19", "ICCV", 2019, "ICCV'19"),
        ("a preprint, arXiv 2021", "arXiv", 2021, "arXiv 2021"),
        ("ResNeSt (CVPR)", "CVPR", None, "(CVPR)"),
        ("old one (nips2017)", "NeurIPS", 2017, "(nips2017)"),
        ("video paper （ACM MM 2020）", "ACM MM", 2020, "（ACM MM 2020）"),
        ("SIGGRAPH Asia 2019 paper", "SIGGRAPH Asia", 2019, "SIGGRAPH Asia 2019"),
        ("TPAMI, 2020 and (CVPR 2018)", "CVPR", 2018, "(CVPR 2018)"),  # brackets first
    ],
)
def test_find_venue(text: str, name: str, year: int | None, raw: str) -> None:
    m = find_venue(text)
    assert m is not None
    assert (m.name, m.year, m.raw) == (name, year, raw)
    assert text[m.start : m.end] == raw


@pytest.mark.parametrize(
    "text",
    [
        "**[HAttMatting]** Attention-Guided Matting",
        "CVPR tutorial slides",
        "ICCVision 2020",
        "arXiv papers",
        "(tip: read this)",
    ],
)
def test_not_a_venue(text: str) -> None:
    assert find_venue(text) is None


@pytest.mark.parametrize(
    ("name", "alternates", "short"),
    [
        ("Computer Vision and Pattern Recognition", ["CVPR"], "CVPR"),
        ("2019 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", [], "CVPR"),
        ("2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition Workshops", [],
         "CVPRW"),
        ("IEEE Workshop/Winter Conference on Applications of Computer Vision", [], "WACV"),
        ("International Conference on Learning Representations", [], "ICLR"),
        ("Neural Information Processing Systems", [], "NeurIPS"),
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence", [], "TPAMI"),
        ("Proceedings of the 37th International Conference on Machine Learning", [], "ICML"),
        ("European Conference on Computer Vision", [], "ECCV"),
        ("Some Regional Workshop", ["SRW"], None),
        ("Journal of Obscure Results", [], None),
        ("", [], None),
    ],
)  # fmt: skip
def test_short_venue_names_bibliographic_venues_as_lists_do(name, alternates, short):
    assert short_venue(name, alternates) == short
