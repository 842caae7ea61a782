"""Chinese personal names as record linkage compares them (issue #15).

Why: one person's name reaches the fund written several ways -- with a space a clerk
typed between surname and given name (``王 伟``), in a traditional or variant form of a
character (``王偉``, ``劉峯``), or with a homophone typed from a pinyin keyboard
(``王玮`` for ``王伟``). Linkage (``graphsvc.detection.linkage``) compares three forms,
from strict to loose, so an agreement on a looser form counts for less:

* ``fold``: NFKC, whitespace and name dots dropped, variant characters folded to one
  simplified form (:data:`VARIANTS`): 王 伟 = 王偉 = 王伟;
* ``pinyin``: the toneless pinyin of ``fold`` (``pypinyin``), one reading per
  character, so a homophone typed for the right sound agrees: 王玮 = 王伟 = "wang wei";
* ``surname``: the first character of ``fold`` (compound surnames are rare in Hainan
  and, when cut, cut the same way on both records).

The loader keys each form (``name_fold_key``, ``name_pinyin_key``, ``name_surname_key``,
``graphsvc.security.vault.protect``) so the graph holds no name and equal forms stay
equal. Limits: the variant table is short (the common name characters and the
variants of them a clerk meets); a character mistyped as another sound is no
agreement on any form but the surname.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# traditional / variant form -> the simplified form the national platform writes
VARIANTS: dict[str, str] = {
    # surnames
    "張": "张", "劉": "刘", "陳": "陈", "楊": "杨", "黃": "黄", "趙": "赵", "吳": "吴",
    "孫": "孙", "馬": "马", "羅": "罗", "鄭": "郑", "謝": "谢", "馮": "冯", "鄧": "邓",
    "韓": "韩", "許": "许", "鍾": "钟", "鐘": "钟", "葉": "叶", "蕭": "萧", "盧": "卢",
    "呂": "吕", "蘇": "苏", "譚": "谭", "龐": "庞", "閆": "闫", "嚴": "严",
    # given-name characters
    "偉": "伟", "靜": "静", "麗": "丽", "強": "强", "彊": "强", "軍": "军", "艷": "艳",
    "豔": "艳", "傑": "杰", "濤": "涛", "剛": "刚", "華": "华", "蘭": "兰", "國": "国",
    "紅": "红", "陽": "阳", "峯": "峰", "榮": "荣", "儁": "俊", "鵬": "鹏",
    "曉": "晓", "東": "东", "羣": "群", "啓": "启", "啟": "启", "凱": "凯", "龍": "龙",
    "飛": "飞", "雲": "云", "雙": "双", "萬": "万", "寶": "宝", "興": "兴", "學": "学",
    "進": "进", "慶": "庆", "亞": "亚", "愛": "爱", "瓊": "琼", "鳳": "凤", "豐": "丰",
    "貴": "贵", "義": "义", "韻": "韵", "瑩": "莹", "潔": "洁", "穎": "颖", "婭": "娅",
}  # fmt: skip
_TABLE = str.maketrans(VARIANTS)
_DROP = re.compile(r"[\s·•・.．]+")


@dataclass(frozen=True)
class NameForms:
    """The three forms of one name linkage compares (empty strings: no name)."""

    fold: str
    pinyin: str
    surname: str


def fold(name: str) -> str:
    """The name as one string of simplified characters.

    >>> fold(" 王 伟 "), fold("王偉"), fold("劉峯"), fold("阿依古丽·买买提")
    ('王伟', '王伟', '刘峰', '阿依古丽买买提')
    """
    text = unicodedata.normalize("NFKC", str(name))
    return _DROP.sub("", text).translate(_TABLE).lower()


@lru_cache(maxsize=65_536)
def _char_pinyin(char: str) -> str:
    got = lazy_pinyin(char, style=Style.NORMAL, errors="default")
    return got[0] if got else char


def pinyin(folded: str) -> str:
    """Toneless pinyin, one reading per character (a name has no context to read it by).

    >>> pinyin("王伟"), pinyin("王玮"), pinyin("李娜")
    ('wang wei', 'wang wei', 'li na')
    """
    return " ".join(_char_pinyin(c) for c in folded)


def name_forms(name: str | None) -> NameForms:
    """All three forms of a name.

    >>> name_forms("張 偉")
    NameForms(fold='张伟', pinyin='zhang wei', surname='张')
    >>> name_forms(None)
    NameForms(fold='', pinyin='', surname='')
    """
    if name is None or str(name).strip() == "":
        return NameForms("", "", "")
    folded = fold(str(name))
    return NameForms(folded, pinyin(folded), folded[:1])
