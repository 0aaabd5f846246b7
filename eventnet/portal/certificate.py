"""An attendee's certificate of participation, downloaded from their manage link."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..i18n import current_language
from ..pdf import pdf_response
from ..services.certificates import certificate_for_token, filename_for, render_certificate
from . import bp


@bp.route("/<token>/certificate.pdf")
def certificate_pdf(token: str) -> Response:
    certificate, _slug = certificate_for_token(token, current_language())
    pdf = render_certificate(certificate, current_language())
    return pdf_response(pdf, f"{filename_for(certificate.name, certificate.code)}.pdf")
