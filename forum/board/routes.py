"""The board's pages: the full board, a prediction, posting, editing, forecasting, voting.
Each write parses the form, calls one service, commits once and redirects (PRG)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import limits
from forum.articles.pages import render_article_page
from forum.articles.services import featured_article, get_article
from forum.board import bp, duplicates, queries, services
from forum.board.forms import (
    EditPredictionForm,
    ForecastForm,
    PredictionForm,
    date_shortcuts,
    read_form_vote,
)
from forum.board.pages import render_prediction, rows_for
from forum.board.validation import (
    read_prediction,
    read_prediction_edit,
    read_probability,
    read_reason,
)
from forum.errors import Conflict, Invalid
from forum.extensions import db
from forum.forms import keep_input_when_limited, place_errors
from forum.http import back_to, login_first
from forum.lifecycle import accepts_forecasts
from forum.member_pages import kept_for_members
from forum.pagination import read_page_args
from forum.params import read_id
from forum.permissions import ensure_can_edit_prediction, ensure_can_withdraw
from forum.templating import percent
from forum.users.profiles import read_section_page

PREDICTION_ID = "<id:prediction_id>"


@bp.get("/predictions")
def featured():
    """The predictions of the featured article (the navigation's "Predictions")."""
    article = featured_article()
    if article is None:
        return redirect(url_for("articles.home"))
    return redirect(url_for("board.index", slug=article.slug))


@bp.get("/articles/<slug>/predictions")
@kept_for_members
def index(slug: str):
    article = get_article(slug)
    status, sort, query = queries.read_list_args(request.args)
    page, per_page = read_page_args(request.args, default_per_page=20, max_per_page=50)
    listing = queries.list_predictions(article, status=status, sort=sort, query=query,
                                       page=page, per_page=per_page)
    return render_template(
        "board/index.html", article=article, listing=listing,
        rows=rows_for(listing.items, current_user), status=status, sort=sort, query=query,
        sorts=queries.sorts_for(query), statuses=queries.STATUS_FILTERS,
        posted=read_id(request.args.get("posted")),
    )


@bp.get("/articles/<slug>/predictions/new")
def compose(slug: str):
    """The posting form on its own page, for deep links and readers without JavaScript."""
    article = get_article(slug)
    if not current_user.is_authenticated:
        return login_first(request.full_path)
    form = PredictionForm(formdata=None, source="board", quote=request.args.get("quote", ""))
    return render_template("board/new.html", article=article, form=form,
                           shortcuts=date_shortcuts())


def _share_form_again(error: Invalid | str, slug: str, status: int = 422):
    """The share form where it was sent from (the article or its own page), with what was
    typed and what is wrong."""
    form = PredictionForm()
    place_errors(form, error)
    return _share_form(get_article(slug), form, status)


def _share_form(article, form: PredictionForm, status: int):
    if form.source.data == "board":
        return render_template("board/new.html", article=article, form=form,
                               shortcuts=date_shortcuts()), status
    return render_article_page(article, form=form), status


@bp.post("/articles/<slug>/predictions")
@keep_input_when_limited(_share_form_again)
@limits.post_prediction
def new(slug: str):
    article = get_article(slug)
    if not current_user.is_authenticated:
        return login_first(url_for("articles.show", slug=slug, _anchor="share"))
    form = PredictionForm()
    try:
        draft = read_prediction(request.form, article.body_text, percent=True)
        if request.form.get("post_anyway") != "1":
            # The same claim already open: show it, and let the author post anyway.
            form.duplicates = duplicates.open_matches(article, draft.title)
        if not form.duplicates:
            prediction = services.create_prediction(article, current_user, draft)
    except Invalid as error:
        db.session.rollback()
        return _share_form_again(error, slug)
    if form.duplicates:  # nothing is posted, so (a 422) no posting budget is spent
        db.session.rollback()
        return _share_form(article, form, 422)
    db.session.commit()
    flash("Your prediction is posted. Others can now forecast, vote and comment on it.",
          "success")
    anchor = f"prediction-{prediction.id}"
    if form.source.data == "board":
        return redirect(url_for("board.index", slug=slug, sort="new", posted=prediction.id,
                                _anchor=anchor), code=303)
    return redirect(url_for("articles.show", slug=slug, posted=prediction.id, _anchor=anchor),
                    code=303)


@bp.get("/predictions/" + PREDICTION_ID)
@kept_for_members(unless=("reply_to",))
def show(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    return render_prediction(prediction,
                             forecasts_page=read_section_page(request.args, "forecasts_page"),
                             reply_to=read_id(request.args.get("reply_to")),
                             all_comments=request.args.get("comments") == "all")


@bp.route("/predictions/" + PREDICTION_ID + "/edit", methods=["GET", "POST"])
@login_required
@limits.edit
def edit(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    ensure_can_edit_prediction(current_user, prediction)
    form = EditPredictionForm(obj=prediction)
    if request.method == "POST":
        try:
            draft = read_prediction_edit(request.form)
            changed = services.edit_prediction(prediction, current_user, draft)
        except Invalid as error:
            place_errors(form, error)
            db.session.rollback()
            return render_template("board/edit.html", prediction=prediction, form=form,
                                   shortcuts=date_shortcuts()), 422
        db.session.commit()
        flash("Your edit is saved; the earlier text is kept in the revisions."
              if changed else "Nothing changed.", "success" if changed else "info")
        return redirect(url_for("board.show", prediction_id=prediction.id), code=303)
    return render_template("board/edit.html", prediction=prediction, form=form,
                           shortcuts=date_shortcuts())


@bp.route("/predictions/" + PREDICTION_ID + "/withdraw", methods=["GET", "POST"])
@login_required
@limits.edit
def withdraw(prediction_id: int):
    """The author takes back a prediction nobody else has forecast on, after confirming."""
    prediction = queries.get_prediction(prediction_id, current_user)
    ensure_can_withdraw(current_user, prediction)
    if request.method == "POST":
        services.withdraw_prediction(prediction, current_user)
        db.session.commit()
        flash(f"You withdrew “{prediction.title}”: it is no longer on the board.", "success")
        return redirect(url_for("board.index", slug=prediction.article.slug), code=303)
    return render_template("board/withdraw.html", prediction=prediction)


def _forecast_form_again(error: Invalid | str, prediction_id: int, status: int = 422):
    """The prediction page with the forecast form as it was sent and what is wrong."""
    form = ForecastForm()
    place_errors(form, error)
    prediction = queries.get_prediction(prediction_id, current_user)
    return render_prediction(prediction, status, forecast_form=form)


@bp.post("/predictions/" + PREDICTION_ID + "/forecasts")
@keep_input_when_limited(_forecast_form_again)
@limits.forecast
def forecast(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    back = url_for("board.show", prediction_id=prediction.id, _anchor="forecast")
    if not current_user.is_authenticated:
        return login_first(back)
    if not accepts_forecasts(prediction):
        # Said before reading the number: the page of a closed prediction has no forecast
        # form, so a 422 would show no message. The service's UPDATE still guards the race.
        raise Conflict("This prediction is closed to new forecasts.")
    errors: dict[str, list[str]] = {}
    probability = read_probability(request.form.get("probability"), errors, percent=True)
    reason = read_reason(request.form.get("reason"), errors)
    if errors:
        return _forecast_form_again(Invalid(errors), prediction.id)
    services.add_forecast(prediction, current_user, probability, reason)
    db.session.commit()
    flash(f"Your forecast of {percent(probability)} is in. You can update it while the "
          "prediction is open.", "success")
    return redirect(back, code=303)


@bp.post("/predictions/" + PREDICTION_ID + "/vote")
@limits.vote
def vote(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    back = back_to(url_for("board.show", prediction_id=prediction.id))
    if not current_user.is_authenticated:
        return login_first(back)
    services.vote_on_prediction(current_user, prediction, read_form_vote(request.form.get("value")))
    db.session.commit()
    return redirect(back, code=303)
