"""API routes for the controls domain (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["controls"])
