"""API routes for the checks domain (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["checks"])
