import unittest

import pastebin


class Smoke(unittest.TestCase):
    def test_doc(self) -> None:
        self.assertIn("pastebin", pastebin.__doc__ or "")
