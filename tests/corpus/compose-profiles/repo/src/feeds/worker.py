"""Background worker that polls feeds."""

import sys
import time

if __name__ == "__main__":
    beat = "--beat" in sys.argv
    while True:
        time.sleep(60 if beat else 5)
