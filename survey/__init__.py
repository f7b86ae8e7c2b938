"""Survey fieldwork: questionnaires, sampling, AAPOR dispositions and the telephony dialer adapters."""
