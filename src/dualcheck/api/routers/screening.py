"""API routes for the screening domain (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["screening"])
