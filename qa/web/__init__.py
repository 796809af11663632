"""The web app: the catalog of loaded policies, answers and the policy as HTML, the event handlers,
and the Gradio layout (`qa.web.app`). Only this package imports Gradio."""

import os

# subtle: Gradio reads this when it is imported; set it first so nothing phones home.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
